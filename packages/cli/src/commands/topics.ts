// `orderflow topics`: every topic with its partitions and their offsets, what `kafka-topics --describe` plus
// `kafka-get-offsets` would tell: where each partition's log starts, where it ends, and how many records it holds.
import { Admin } from '@platformatic/kafka';
import { formatTable } from '../format-table.ts';
import { kafkaClientSettings } from '../kafka/kafka-client-options.ts';
import { kafkaErrorMessage } from '../kafka/kafka-error-message.ts';
import { type PartitionOffsets, readPartitionOffsets } from '../kafka/partition-offsets.ts';
import { parseCommandArgs } from '../parse-command-args.ts';

export const topicsHelp = `Usage: orderflow topics [--json]

Lists the topics with, per partition, the earliest and latest offset and the number of records in between.

Options:
  --json       one JSON document instead of a table
  -h, --help   show this help

Environment:
  KAFKA_BROKERS   the Kafka to ask (default 127.0.0.1:9092); KAFKA_SASL_*, KAFKA_TLS as for the services`;

export interface TopicReport {
  readonly name: string;
  readonly messages: number;
  readonly partitions: readonly { partition: number; earliest: number; latest: number; messages: number }[];
}

export async function topics(args: readonly string[]): Promise<number> {
  const { values } = parseCommandArgs('topics', args, {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(topicsHelp);
    return 0;
  }
  const kafka = kafkaClientSettings('topics');
  const admin = new Admin(kafka.options);
  let offsets: PartitionOffsets[];
  try {
    const names = await admin.listTopics();
    offsets = await readPartitionOffsets(admin, names);
  } catch (error) {
    throw new Error(`topics of Kafka at ${kafka.brokers}: ${kafkaErrorMessage(error)}`, { cause: error });
  } finally {
    await admin.close().catch(() => undefined);
  }
  const report = topicReports(offsets);
  if (values.json) {
    console.log(JSON.stringify({ topics: report }, null, 2));
  } else if (report.length === 0) {
    console.log(`no topics on Kafka at ${kafka.brokers}`);
  } else {
    const rows = report.flatMap((topic) =>
      topic.partitions.map((p) => [topic.name, p.partition, p.earliest, p.latest, p.messages]),
    );
    console.log(formatTable(['TOPIC', 'PARTITION', 'EARLIEST', 'LATEST', 'MESSAGES'], rows));
  }
  return 0;
}

function topicReports(offsets: readonly PartitionOffsets[]): TopicReport[] {
  const byTopic = new Map<string, PartitionOffsets[]>();
  for (const offset of offsets) byTopic.set(offset.topic, [...(byTopic.get(offset.topic) ?? []), offset]);
  return [...byTopic].map(([name, partitions]) => {
    const rows = partitions.map(({ partition, earliest, latest }) => ({
      partition,
      earliest,
      latest,
      messages: latest - earliest,
    }));
    return { name, messages: rows.reduce((sum, row) => sum + row.messages, 0), partitions: rows };
  });
}
