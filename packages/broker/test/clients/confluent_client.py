"""confluent-kafka (librdkafka) as an independent client of the orderflow broker's tests.

Run with Debian's /usr/bin/python3 (python3-confluent-kafka). Prints one JSON object per line on stdout, as
json_lines.py describes.

  confluent_client.py BOOTSTRAP produce TOPIC [--compression C] [--idempotent] [--retries N]
      stdin: {"partition": 0, "key": hex|null, "value": hex|null, "headers": [[name, hex]]} per line
      stdout: {"partition": p, "offset": o} per record, in input order, once all are acknowledged (acks=all)
  confluent_client.py BOOTSTRAP consume TOPIC COUNT [--group G [--commit]]
      reads exactly COUNT records: from the beginning of every partition without --group, from the group's
      committed offsets (earliest when none) with it; --commit commits the offset after the last record printed.
  confluent_client.py BOOTSTRAP group-member TOPIC GROUP NAME
      a cooperative-sticky member that prints {"event": "assigned" | "revoked" | "lost", "partitions": [...]},
      {"event": "record", "partition", "offset", "value"} after processing each record, and
      {"event": "committed", "offsets": [[partition, offset], ...]} for each commit it learns of. It commits what it
      processed every 200 ms and before giving up partitions, so a handoff redelivers nothing. SIGTERM closes it
      cleanly (revoke, commit, leave the group) and prints {"event": "closed"}.
"""

import signal
import sys
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition

from json_lines import command_line, emit, emit_consumed, exit_if_short, read_count, records_to_produce, run


def produce(args):
    config = {
        "bootstrap.servers": args.bootstrap,
        "client.id": "confluent-producer",
        "acks": "all",
        "compression.type": args.compression,
        "linger.ms": args.linger_ms,
        "enable.idempotence": args.idempotent,
        "message.send.max.retries": args.retries,
        "retry.backoff.ms": 50,
        "reconnect.backoff.ms": 20,
        "reconnect.backoff.max.ms": 200,
    }
    producer = Producer(config)
    records = list(records_to_produce())
    results = [None] * len(records)

    def delivered(index):
        def report(error, message):
            if error is not None:
                results[index] = {"error": str(error)}
            else:
                results[index] = {"partition": message.partition(), "offset": message.offset()}

        return report

    for index, record in enumerate(records):
        # librdkafka's "any partition" is -1, not None.
        partition = -1 if record["partition"] is None else record["partition"]
        producer.produce(args.topic, **{**record, "partition": partition}, on_delivery=delivered(index))
        producer.poll(0)
    remaining = producer.flush(30)
    if remaining:
        sys.exit(f"{remaining} records not delivered within 30 s")
    for result in results:
        emit(result)
    if any("error" in result for result in results):
        sys.exit("some records were not delivered")


def consume(args):
    consumer = Consumer(
        {
            "bootstrap.servers": args.bootstrap,
            "client.id": "confluent-consumer",
            # librdkafka wants a group id even when partitions are assigned by hand; nothing is committed then.
            "group.id": args.group or f"unused-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 100,
            "session.timeout.ms": 10000,
        }
    )
    if args.group is None:
        metadata = consumer.list_topics(args.topic, timeout=10)
        partitions = sorted(metadata.topics[args.topic].partitions)
        if not partitions:
            sys.exit(f"topic {args.topic} has no partitions")
        consumer.assign([TopicPartition(args.topic, partition, OFFSET_BEGINNING) for partition in partitions])
    else:
        consumer.subscribe([args.topic])

    def poll(_remaining):
        # One record at a time (see group_member on the batch API), so nothing past COUNT is printed or committed.
        message = consumer.poll(0.2)
        if message is None:
            return []
        if message.error():
            sys.exit(f"consume error: {message.error()}")
        emit_consumed(
            message.topic(), message.partition(), message.offset(), message.key(), message.value(), message.headers()
        )
        return [(message.partition(), message.offset())]

    count, last = read_count(args, poll)
    if args.commit and last:
        consumer.commit(
            offsets=[TopicPartition(args.topic, partition, offset + 1) for partition, offset in last.items()],
            asynchronous=False,
        )
    consumer.close()
    exit_if_short(args, count)


def group_member(args):
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    def on_commit(error, partitions):
        if error is not None:
            if error.code() != KafkaError._NO_OFFSET:
                emit({"event": "commit-failed", "error": str(error)})
            return
        offsets = [[tp.partition, tp.offset] for tp in partitions if tp.error is None and tp.offset >= 0]
        if offsets:
            emit({"event": "committed", "offsets": offsets})

    signal.signal(signal.SIGTERM, stop)
    consumer = Consumer(
        {
            "bootstrap.servers": args.bootstrap,
            "client.id": args.name,
            "group.id": args.group,
            "partition.assignment.strategy": "cooperative-sticky",
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 300,
            "max.poll.interval.ms": 30000,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 100,
            # Offsets are stored only once a record is processed, and committed by the auto-commit timer. Not by a
            # manual commit after each poll: that one can reach the coordinator behind this member's own JoinGroup,
            # with the generation before it, and librdkafka before confluentinc/librdkafka#4908 (2.0.2 here) takes
            # the ILLEGAL_GENERATION answer as a lost assignment. The timer does not commit during a rebalance.
            "enable.auto.commit": True,
            "auto.commit.interval.ms": 200,
            "enable.auto.offset.store": False,
            "on_commit": on_commit,
        }
    )

    def on_assign(_consumer, partitions):
        emit({"event": "assigned", "partitions": sorted(tp.partition for tp in partitions)})

    def on_revoke(_consumer, partitions):
        # Commit before giving partitions up, so their next owner starts after the last processed record.
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as error:
            if error.args[0].code() != KafkaError._NO_OFFSET:
                emit({"event": "commit-failed", "error": str(error)})
        emit({"event": "revoked", "partitions": sorted(tp.partition for tp in partitions)})

    def on_lost(_consumer, partitions):
        emit({"event": "lost", "partitions": sorted(tp.partition for tp in partitions)})

    consumer.subscribe([args.topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
    emit({"event": "started"})
    while not stopping:
        # poll(), not consume(num_messages): librdkafka 2.0's batch consume can drop records when a rebalance runs
        # alongside it (a known issue of v2.0.0, fixed in v2.1.0).
        message = consumer.poll(0.1)
        if message is None:
            continue
        if message.error():
            emit({"event": "error", "error": str(message.error())})
            continue
        emit(
            {
                "event": "record",
                "partition": message.partition(),
                "offset": message.offset(),
                "value": message.value().decode(),
            }
        )
        consumer.store_offsets(message)
    consumer.close()
    emit({"event": "closed"})


def main():
    parser, commands, producing = command_line(default_compression="none")
    producing.add_argument("--idempotent", action="store_true")
    producing.add_argument("--retries", type=int, default=5)
    member = commands.add_parser("group-member")
    member.add_argument("topic")
    member.add_argument("group")
    member.add_argument("name")
    run(parser, {"produce": produce, "consume": consume, "group-member": group_member})


if __name__ == "__main__":
    main()
