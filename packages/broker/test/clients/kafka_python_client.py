"""kafka-python (pure Python, its own protocol code) as an independent client of the orderflow broker's tests.

Run with Debian's /usr/bin/python3 (python3-kafka). Prints one JSON object per line on stdout. Keys, values and
header values travel as hex strings (null stays null), so bytes that are not UTF-8 survive the trip.

  kafka_python_client.py BOOTSTRAP produce TOPIC [--compression gzip]
      stdin: {"partition": 0, "key": hex|null, "value": hex|null, "headers": [[name, hex]]} per line
      stdout: {"partition": p, "offset": o} per record, in input order, once all are acknowledged (acks=all)
  kafka_python_client.py BOOTSTRAP consume TOPIC COUNT [--group G [--commit]]
      reads exactly COUNT records: from the beginning of every partition without --group, from the group's
      committed offsets (earliest when none) with it; --commit commits the offset after the last record printed.
"""

import argparse
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata


def emit(obj):
    print(json.dumps(obj), flush=True)


def unhex(value):
    return None if value is None else bytes.fromhex(value)


def hexed(value):
    return None if value is None else value.hex()


def offset_and_metadata(offset):
    # kafka-python 2.0 has (offset, metadata); 2.1+ added leader_epoch.
    try:
        return OffsetAndMetadata(offset, "")
    except TypeError:
        return OffsetAndMetadata(offset, "", -1)


def produce(args):
    producer = KafkaProducer(
        bootstrap_servers=args.bootstrap,
        client_id="kafka-python-producer",
        acks="all",
        compression_type=args.compression,
        linger_ms=args.linger_ms,
    )
    futures = []
    for line in sys.stdin:
        if not line.strip():
            continue
        record = json.loads(line)
        futures.append(
            producer.send(
                args.topic,
                key=unhex(record.get("key")),
                value=unhex(record.get("value")),
                partition=record.get("partition"),
                headers=[(name, unhex(value)) for name, value in record.get("headers", [])],
            )
        )
    producer.flush(timeout=30)
    for future in futures:
        metadata = future.get(timeout=30)
        emit({"partition": metadata.partition, "offset": metadata.offset})
    producer.close(timeout=10)


def consume(args):
    consumer = KafkaConsumer(
        bootstrap_servers=args.bootstrap,
        client_id="kafka-python-consumer",
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
        session_timeout_ms=10000,
        heartbeat_interval_ms=500,
    )
    if args.group is None:
        partitions = consumer.partitions_for_topic(args.topic)
        if not partitions:
            sys.exit(f"topic {args.topic} has no partitions")
        assigned = [TopicPartition(args.topic, partition) for partition in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
    else:
        consumer.subscribe([args.topic])
    deadline = time.monotonic() + args.timeout
    count = 0
    last = {}
    while count < args.count and time.monotonic() < deadline:
        # max_records keeps the rest buffered, so nothing past COUNT is read, printed or committed.
        polled = consumer.poll(timeout_ms=200, max_records=args.count - count)
        for partition, records in polled.items():
            for record in records:
                emit(
                    {
                        "topic": record.topic,
                        "partition": record.partition,
                        "offset": record.offset,
                        "key": hexed(record.key),
                        "value": hexed(record.value),
                        "headers": [[name, hexed(value)] for name, value in record.headers or []],
                    }
                )
                last[partition] = record.offset
                count += 1
    if args.commit and last:
        consumer.commit({partition: offset_and_metadata(offset + 1) for partition, offset in last.items()})
    consumer.close(autocommit=False)
    if count < args.count:
        sys.exit(f"read {count} of {args.count} records within {args.timeout} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bootstrap")
    commands = parser.add_subparsers(dest="command", required=True)
    producing = commands.add_parser("produce")
    producing.add_argument("topic")
    producing.add_argument("--compression", default=None)
    producing.add_argument("--linger-ms", type=int, default=20)
    consuming = commands.add_parser("consume")
    consuming.add_argument("topic")
    consuming.add_argument("count", type=int)
    consuming.add_argument("--group", default=None)
    consuming.add_argument("--commit", action="store_true")
    consuming.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    if args.command == "produce":
        produce(args)
    else:
        consume(args)


if __name__ == "__main__":
    main()
