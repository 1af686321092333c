// `orderflow tail`: a console consumer, what the original design did with kafka-console-consumer. Each record is
// printed as one JSON line on stdout (status goes to stderr, so stdout stays pipeable into jq). Without --group it
// reads in a throwaway group that never commits and is deleted on exit, so watching never disturbs anything; with
// --group it commits what it printed, so the next run continues where this one stopped.
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, stringDeserializer } from '@platformatic/kafka';
import { kafkaClientSettings } from '../kafka/kafka-client-options.ts';
import { kafkaErrorMessage } from '../kafka/kafka-error-message.ts';
import { recordLine, type TailedMessage } from '../kafka/record-line.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { onShutdownSignals } from '../shutdown-signals.ts';
import { UsageError } from '../usage-error.ts';

export const tailHelp = `Usage: orderflow tail <topic>... [--from-beginning] [--group <id>] [--key]

Prints every record of the topics as one JSON line, until Ctrl-C:
  {"topic", "partition", "offset", "timestamp", "key" (with --key), "headers", "value"}
The value is parsed as JSON when it is JSON, else printed as text.

Options:
  --from-beginning   start at the earliest offset instead of new records only (with --group: only where the group
                     has committed nothing yet)
  --group <id>       consume in this consumer group and commit what was printed; without it a throwaway group is
                     used that commits nothing
  --key              include each record's key
  -h, --help         show this help

Environment:
  KAFKA_BROKERS   the Kafka to read (default 127.0.0.1:9092); KAFKA_SASL_*, KAFKA_TLS as for the services`;

// A tail that dies holds its partitions this long; short, since a person may restart it at once.
const SESSION_TIMEOUT_MS = 10_000;
const HEARTBEAT_INTERVAL_MS = 2000;
// How long a fetch waits on the broker for records: bounds how long closing waits for the fetch in flight.
const MAX_WAIT_MS = 500;

export async function tail(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'tail',
    args,
    {
      'from-beginning': { type: 'boolean' },
      group: { type: 'string' },
      key: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    console.log(tailHelp);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('orderflow tail: missing <topic> (see orderflow tail --help)');
  if (values.group !== undefined && values.group.trim() === '') {
    throw new UsageError('orderflow tail: --group must not be empty');
  }
  const topics = [...new Set(positionals)];
  const fromBeginning = values['from-beginning'] === true;
  const committing = values.group !== undefined;
  const groupId = values.group ?? `orderflow-tail-${randomUUID()}`;
  const kafka = kafkaClientSettings('tail');

  // Installed before anything connects, and kept until everything is closed: a Ctrl-C that npx forwards a moment
  // after the terminal's must not hit Node's default handler halfway through leaving the group.
  let requestStop: (code: number) => void = () => undefined;
  const stopRequested = new Promise<number>((resolve) => {
    requestStop = resolve;
  });
  const signals = onShutdownSignals({
    stop: () => requestStop(0),
    force: () => {
      console.error('orderflow tail: stopped without leaving the group');
      process.exit(130);
    },
  });
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    // The reader went away (`| head`): that is the end of the tail, not a failure.
    if (error.code === 'EPIPE') requestStop(0);
    else requestStop(1);
  };
  process.stdout.on('error', onStdoutError);

  const admin = new Admin(kafka.options);
  const consumer = new Consumer<Buffer | undefined, Buffer | undefined, string, Buffer | undefined>({
    ...kafka.options,
    groupId,
    autocommit: false,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
    maxWaitTime: MAX_WAIT_MS,
    deserializers: { headerKey: stringDeserializer },
  });
  try {
    let existing: string[];
    try {
      existing = await admin.listTopics({ includeInternals: true });
    } catch (error) {
      throw new Error(`topics of Kafka at ${kafka.brokers}: ${kafkaErrorMessage(error)}`, { cause: error });
    }
    const missing = topics.filter((topic) => !existing.includes(topic));
    if (missing.length > 0) {
      throw new Error(
        `no topic ${missing.map((topic) => `'${topic}'`).join(', ')} on Kafka at ${kafka.brokers}` +
          ` (topics: ${existing.filter((topic) => !topic.startsWith('__')).join(', ') || 'none'})`,
      );
    }

    let stream: Awaited<ReturnType<typeof consumer.consume>>;
    try {
      stream = await consumer.consume({
        topics,
        mode: committing ? 'committed' : fromBeginning ? 'earliest' : 'latest',
        fallbackMode: fromBeginning ? 'earliest' : 'latest',
        autocommit: false,
      });
    } catch (error) {
      throw new Error(`consuming ${topics.join(', ')} from Kafka at ${kafka.brokers}: ${kafkaErrorMessage(error)}`, {
        cause: error,
      });
    }
    console.error(
      `orderflow tail: ${topics.join(', ')} ${fromBeginning ? 'from the beginning' : 'from now on'}, ` +
        `${committing ? `group ${groupId}, committing` : 'committing nothing'}; Ctrl-C to stop`,
    );

    let commitFailureReported = false;
    stream.on('data', (message: TailedMessage) => {
      const writable = process.stdout.write(`${JSON.stringify(recordLine(message, values.key === true))}\n`);
      if (committing) {
        message.commit((error) => {
          if (error && !commitFailureReported) {
            commitFailureReported = true;
            console.error(`orderflow tail: committing to group ${groupId} failed: ${kafkaErrorMessage(error)}`);
          }
        });
      }
      if (!writable) {
        stream.pause();
        process.stdout.once('drain', () => stream.resume());
      }
    });
    stream.on('error', (error) => {
      console.error(`orderflow tail: ${kafkaErrorMessage(error)}`);
      requestStop(1);
    });

    const code = await stopRequested;
    // Closing the stream flushes the commits still queued; closing the consumer then leaves the group.
    await stream.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
    if (!committing) await admin.deleteGroups({ groups: [groupId] }).catch(() => undefined);
    return code;
  } finally {
    await consumer.close(true).catch(() => undefined);
    await admin.close().catch(() => undefined);
    process.stdout.removeListener('error', onStdoutError);
    await signals.release();
  }
}
