"""kafka-python (pure Python, its own protocol code) as an independent client of the orderflow broker's tests.

Run with Debian's /usr/bin/python3 (python3-kafka). Prints one JSON object per line on stdout, as json_lines.py
describes.

  kafka_python_client.py BOOTSTRAP produce TOPIC [--compression gzip]
      stdin: {"partition": 0, "key": hex|null, "value": hex|null, "headers": [[name, hex]]} per line
      stdout: {"partition": p, "offset": o} per record, in input order, once all are acknowledged (acks=all)
  kafka_python_client.py BOOTSTRAP consume TOPIC COUNT [--group G [--commit]]
      reads exactly COUNT records: from the beginning of every partition without --group, from the group's
      committed offsets (earliest when none) with it; --commit commits the offset after the last record printed.
"""

import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from json_lines import command_line, emit, emit_consumed, exit_if_short, read_count, records_to_produce, run


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
    futures = [producer.send(args.topic, **record) for record in records_to_produce()]
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

    def poll(remaining):
        # max_records keeps the rest buffered, so nothing past COUNT is read, printed or committed.
        for partition, records in consumer.poll(timeout_ms=200, max_records=remaining).items():
            for record in records:
                emit_consumed(record.topic, record.partition, record.offset, record.key, record.value, record.headers)
                yield partition, record.offset

    count, last = read_count(args, poll)
    if args.commit and last:
        consumer.commit({partition: offset_and_metadata(offset + 1) for partition, offset in last.items()})
    consumer.close(autocommit=False)
    exit_if_short(args, count)


if __name__ == "__main__":
    parser, _commands, _producing = command_line(default_compression=None)
    run(parser, {"produce": produce, "consume": consume})
