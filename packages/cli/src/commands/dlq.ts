// `orderflow dlq list | show <topic> | redrive <topic>`: what the consumers could not process, why, and sending it
// back once the cause is fixed. The Kafka side lives in ../kafka/dead-letters.ts, which the console uses too.
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { formatTable } from '../format-table.ts';
import {
  type DeadLetter,
  type DeadLetterKafka,
  type DeadLetterPosition,
  executeRedrive,
  isDeadLetterTopic,
  listDeadLetterTopics,
  planRedrive,
  readDeadLetters,
  type RedrivePlan,
  summarizeDeadLetters,
} from '../kafka/dead-letters.ts';
import { type KafkaClientSettings, kafkaClientSettings } from '../kafka/kafka-client-options.ts';
import { kafkaErrorMessage } from '../kafka/kafka-error-message.ts';
import { parseCommandArgs, positiveInteger } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

export const dlqHelp = `Usage: orderflow dlq list [--json]
       orderflow dlq show <topic> [--limit n] [--json]
       orderflow dlq redrive <topic> [--offset partition:offset]... [--execute] [--json]

Dead-letter topics (<topic>.<group>.dlq) hold the events a consumer group could not process, with the reason in
their headers.

  list      every dead-letter topic: records, oldest and newest, count per error code
  show      each dead letter: where it came from (topic, partition, offset), the group, error code and message,
            attempts, and the decoded event (the newest --limit, default 20)
  redrive   publishes dead letters back to the topic and partition they came from (key, value and headers as they
            were, plus a redrive-count header), so the group processes them again once the cause is fixed. A dry run
            unless --execute. Without --offset it takes every dead letter not redriven yet; --offset (repeatable,
            partition:offset as 'show' prints it) takes only those, and later ones passed over are not taken by a
            later plain redrive. The position reached is the committed offset of the group
            orderflow-dlq-redrive.<topic>, so nothing is redriven twice by itself. Consumers dedupe by event id:
            a redriven event that was processed after all has no second effect.

Options:
  --limit n           dead letters shown by 'show' (default 20)
  --offset p:n        with 'redrive': the dead letter at partition p, offset n (repeatable)
  --execute           with 'redrive': publish and move the position (default: only show what would happen)
  --json              one JSON document instead of a table
  -h, --help          show this help

Environment:
  KAFKA_BROKERS   the Kafka to ask (default 127.0.0.1:9092); KAFKA_SASL_*, KAFKA_TLS as for the services`;

const DEFAULT_SHOW_LIMIT = 20;

export async function dlq(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'dlq',
    args,
    {
      limit: { type: 'string' },
      offset: { type: 'string', multiple: true },
      execute: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    console.log(dlqHelp);
    return 0;
  }
  const [action, topic, ...rest] = positionals;
  if (action === undefined)
    throw new UsageError('orderflow dlq: missing action: list, show <topic> or redrive <topic>');
  if (rest.length > 0) throw new UsageError(`orderflow dlq: unexpected argument '${rest[0]}'`);
  const json = values.json === true;
  if (action === 'list') {
    if (topic !== undefined) throw new UsageError(`orderflow dlq list: unexpected argument '${topic}'`);
    rejectFlags('list', { limit: values.limit, offset: values.offset, execute: values.execute });
    return withKafka('dlq list', (kafka) => list(kafka, json));
  }
  if (action !== 'show' && action !== 'redrive') {
    throw new UsageError(`orderflow dlq: unknown action '${action}' (list, show or redrive)`);
  }
  if (topic === undefined) throw new UsageError(`orderflow dlq ${action}: missing <topic>`);
  if (!isDeadLetterTopic(topic)) {
    throw new UsageError(`orderflow dlq ${action}: '${topic}' is not a dead-letter topic (names end in .dlq)`);
  }
  if (action === 'show') {
    rejectFlags('show', { offset: values.offset, execute: values.execute });
    const limit = positiveInteger('dlq show', 'limit', values.limit, DEFAULT_SHOW_LIMIT);
    return withKafka('dlq show', (kafka) => show(kafka, topic, limit, json));
  }
  rejectFlags('redrive', { limit: values.limit });
  const chosen = values.offset?.map(parsePosition);
  return withKafka('dlq redrive', (kafka, settings) => redrive(kafka, settings, topic, chosen, values.execute, json));
}

function rejectFlags(action: string, flags: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(flags)) {
    if (value !== undefined) throw new UsageError(`orderflow dlq ${action}: --${name} does not apply to ${action}`);
  }
}

function parsePosition(raw: string): DeadLetterPosition {
  const match = /^(\d+):(\d+)$/.exec(raw);
  if (match === null) {
    throw new UsageError(`orderflow dlq redrive: --offset takes partition:offset (e.g. 0:12), got '${raw}'`);
  }
  return { partition: Number(match[1]), offset: Number(match[2]) };
}

async function withKafka(
  command: string,
  run: (kafka: DeadLetterKafka, settings: KafkaClientSettings) => Promise<number>,
): Promise<number> {
  const settings = kafkaClientSettings(command);
  const admin = new Admin(settings.options);
  // The group id is required by the client but never joined: dead letters are read with Fetch requests only.
  const consumer = new Consumer({ ...settings.options, groupId: 'orderflow-dlq-unused' });
  try {
    return await run({ admin, consumer }, settings);
  } catch (error) {
    if (error instanceof UsageError || (error as { exitCode?: unknown }).exitCode !== undefined) throw error;
    throw new Error(`orderflow ${command} on Kafka at ${settings.brokers}: ${kafkaErrorMessage(error)}`, {
      cause: error,
    });
  } finally {
    await Promise.allSettled([consumer.close(true), admin.close()]);
  }
}

async function list(kafka: DeadLetterKafka, json: boolean): Promise<number> {
  const summaries = [];
  for (const topic of await listDeadLetterTopics(kafka)) summaries.push(await summarizeDeadLetters(kafka, topic));
  if (json) {
    console.log(JSON.stringify({ topics: summaries }, null, 2));
  } else if (summaries.length === 0) {
    console.log('no dead-letter topics');
  } else {
    const rows = summaries.map((s) => [
      s.topic,
      s.records,
      s.oldest ?? '-',
      s.newest ?? '-',
      Object.entries(s.errorCodes)
        .map(([code, count]) => `${code}=${count}`)
        .join(' ') || '-',
    ]);
    console.log(formatTable(['TOPIC', 'RECORDS', 'OLDEST', 'NEWEST', 'ERROR-CODES'], rows));
  }
  return 0;
}

async function requireTopic(kafka: DeadLetterKafka, topic: string, command: string): Promise<void> {
  const topics = await listDeadLetterTopics(kafka);
  if (!topics.includes(topic)) {
    throw Object.assign(
      new Error(`${command}: no dead-letter topic '${topic}' (there are: ${topics.join(', ') || 'none'})`),
      { exitCode: 1 },
    );
  }
}

async function show(kafka: DeadLetterKafka, topic: string, limit: number, json: boolean): Promise<number> {
  await requireTopic(kafka, topic, 'dlq show');
  const letters = await readDeadLetters(kafka, topic, { limit });
  if (json) {
    console.log(JSON.stringify({ topic, deadLetters: letters.map(jsonOf) }, null, 2));
    return 0;
  }
  if (letters.length === 0) {
    console.log(`${topic} holds no dead letters`);
    return 0;
  }
  for (const letter of letters) {
    console.log(
      [
        `${letter.partition}:${letter.offset}  ${letter.time}  ${letter.errorCode ?? 'UNKNOWN'}`,
        `  from      ${letter.originalTopic ?? '?'} partition ${letter.originalPartition ?? '?'} offset ${letter.originalOffset ?? '?'}`,
        `  group     ${letter.consumerGroup ?? '?'}   attempts ${letter.attempts ?? '?'}   redriven ${letter.redriveCount}`,
        `  error     ${letter.errorMessage ?? '-'}`,
        `  event     ${letter.event === null ? JSON.stringify(letter.value) : JSON.stringify(letter.event)}`,
      ].join('\n'),
    );
  }
  return 0;
}

async function redrive(
  kafka: DeadLetterKafka,
  settings: KafkaClientSettings,
  topic: string,
  chosen: readonly DeadLetterPosition[] | undefined,
  execute: boolean | undefined,
  json: boolean,
): Promise<number> {
  await requireTopic(kafka, topic, 'dlq redrive');
  const plan = await planRedrive(kafka, topic, chosen);
  let published = 0;
  if (execute === true) {
    const producer = new Producer({ ...settings.options, idempotent: true, acks: -1 });
    try {
      published = await executeRedrive(kafka, producer, plan);
    } finally {
      await producer.close().catch(() => undefined);
    }
  }
  if (json) {
    console.log(JSON.stringify(planJson(plan, execute === true, published), null, 2));
    return 0;
  }
  const rows = plan.items.map(({ letter, action }) => [
    `${letter.partition}:${letter.offset}`,
    letter.errorCode ?? '-',
    `${letter.originalTopic ?? '?'}:${letter.originalPartition ?? '?'}`,
    letter.redriveCount,
    action,
  ]);
  if (rows.length > 0) console.log(formatTable(['DEAD-LETTER', 'ERROR-CODE', 'TO', 'REDRIVEN', 'ACTION'], rows));
  for (const { partition, offset } of plan.missing) console.log(`no dead letter at ${partition}:${offset}`);
  const toRedrive = plan.items.filter((item) => item.action === 'redrive').length;
  if (execute === true) {
    console.log(`redrove ${published} dead letter(s) of ${topic}; position kept in group ${plan.group}`);
  } else {
    console.log(`dry run: ${toRedrive} dead letter(s) of ${topic} would be redriven; --execute to do it`);
  }
  return 0;
}

function jsonOf(letter: DeadLetter) {
  const { record: _record, ...rest } = letter;
  return rest;
}

function planJson(plan: RedrivePlan, executed: boolean, published: number) {
  return {
    topic: plan.topic,
    group: plan.group,
    executed,
    redriven: published,
    items: plan.items.map(({ letter, action }) => ({ action, ...jsonOf(letter) })),
    missing: plan.missing,
    positions: plan.positions,
  };
}
