"""What the Python clients of the broker's tests (kafka_python_client.py, confluent_client.py) print and read alike.

One JSON object per line on stdout; keys, values and header values travel as hex strings (null stays null), so bytes
that are not UTF-8 survive the trip. Both take the same BOOTSTRAP produce / consume command line, which each client
extends with its own options. Imported by them from this folder (a script's own folder is on Python's path).
"""

import argparse
import json
import sys
import time


def emit(obj):
    print(json.dumps(obj), flush=True)


def unhex(value):
    return None if value is None else bytes.fromhex(value)


def hexed(value):
    return None if value is None else value.hex()


def records_to_produce():
    """stdin's records, one {"partition", "key", "value", "headers"} per line, with bytes for the hex fields."""
    for line in sys.stdin:
        if not line.strip():
            continue
        record = json.loads(line)
        yield {
            "partition": record.get("partition"),
            "key": unhex(record.get("key")),
            "value": unhex(record.get("value")),
            "headers": [(name, unhex(value)) for name, value in record.get("headers", [])],
        }


def emit_consumed(topic, partition, offset, key, value, headers):
    emit(
        {
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "key": hexed(key),
            "value": hexed(value),
            "headers": [[name, hexed(value)] for name, value in headers or []],
        }
    )


def read_count(args, poll):
    """Calls poll(remaining) until it has given COUNT records or the --timeout passed. poll prints what it read and
    returns a (partition, offset) pair per record, the partition as the client names it for a commit. Returns how
    many were read and the last offset per partition."""
    deadline = time.monotonic() + args.timeout
    count = 0
    last = {}
    while count < args.count and time.monotonic() < deadline:
        for partition, offset in poll(args.count - count):
            last[partition] = offset
            count += 1
    return count, last


def exit_if_short(args, count):
    if count < args.count:
        sys.exit(f"read {count} of {args.count} records within {args.timeout} s")


def command_line(default_compression):
    """The parser and its produce and consume subparsers, for a client to add its own options to."""
    parser = argparse.ArgumentParser()
    parser.add_argument("bootstrap")
    commands = parser.add_subparsers(dest="command", required=True)
    producing = commands.add_parser("produce")
    producing.add_argument("topic")
    producing.add_argument("--compression", default=default_compression)
    producing.add_argument("--linger-ms", type=int, default=20)
    consuming = commands.add_parser("consume")
    consuming.add_argument("topic")
    consuming.add_argument("count", type=int)
    consuming.add_argument("--group", default=None)
    consuming.add_argument("--commit", action="store_true")
    consuming.add_argument("--timeout", type=float, default=30)
    return parser, commands, producing


def run(parser, commands):
    """Parses the command line and runs the function `commands` names for its command with the parsed arguments."""
    args = parser.parse_args()
    commands[args.command](args)
