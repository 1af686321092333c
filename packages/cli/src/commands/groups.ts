// `orderflow groups`: the consumer groups, what `kafka-consumer-groups --describe` tells: each group's state, its
// members and the partitions assigned to them, and per partition the committed offset and the lag behind the log end.
import { Admin } from '@platformatic/kafka';
import { formatTable } from '../format-table.ts';
import { type GroupReport, readGroupReports } from '../kafka/group-reports.ts';
import { kafkaClientSettings } from '../kafka/kafka-client-options.ts';
import { kafkaErrorMessage } from '../kafka/kafka-error-message.ts';
import { parseCommandArgs } from '../parse-command-args.ts';

export const groupsHelp = `Usage: orderflow groups [<group>...] [--json]

Lists the consumer groups (or only the named ones) with their state, members, assignments and, per partition, the
committed offset, the latest offset and the lag between them (latest - committed; '-' where nothing is committed).

Options:
  --json       one JSON document instead of tables
  -h, --help   show this help

Environment:
  KAFKA_BROKERS   the Kafka to ask (default 127.0.0.1:9092); KAFKA_SASL_*, KAFKA_TLS as for the services`;

export async function groups(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'groups',
    args,
    { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    console.log(groupsHelp);
    return 0;
  }
  const kafka = kafkaClientSettings('groups');
  const admin = new Admin(kafka.options);
  let listed: string[];
  let reports: GroupReport[] = [];
  try {
    listed = [...(await admin.listGroups()).keys()].sort();
    if (positionals.every((name) => listed.includes(name))) {
      reports = await readGroupReports(admin, positionals.length > 0 ? positionals : listed);
    }
  } catch (error) {
    throw new Error(`consumer groups of Kafka at ${kafka.brokers}: ${kafkaErrorMessage(error)}`, { cause: error });
  } finally {
    await admin.close().catch(() => undefined);
  }
  const unknown = positionals.filter((name) => !listed.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `no consumer group ${unknown.map((name) => `'${name}'`).join(', ')} on Kafka at ${kafka.brokers}` +
        ` (groups: ${listed.join(', ') || 'none'})`,
    );
  }
  if (values.json) {
    console.log(JSON.stringify({ groups: reports }, null, 2));
  } else if (reports.length === 0) {
    console.log(`no consumer groups on Kafka at ${kafka.brokers}`);
  } else {
    console.log(reports.map(groupTable).join('\n\n'));
  }
  return 0;
}

function groupTable(report: GroupReport): string {
  const members = report.members.length === 1 ? '1 member' : `${report.members.length} members`;
  const lines = [`GROUP ${report.group}  ${report.state}, ${members}, lag ${report.lag}`];
  if (report.members.length > 0) {
    const rows = report.members.map((member) => [
      member.id,
      member.clientId,
      member.host,
      member.assignments.map(({ topic, partitions }) => `${topic} ${partitions.join(',')}`).join('; ') || '-',
    ]);
    lines.push(formatTable(['MEMBER', 'CLIENT', 'HOST', 'ASSIGNED'], rows, '  '));
  }
  if (report.partitions.length > 0) {
    const rows = report.partitions.map((p) => [
      p.topic,
      p.partition,
      p.committed ?? '-',
      p.latest,
      p.lag ?? '-',
      p.member ?? '-',
    ]);
    lines.push(formatTable(['TOPIC', 'PARTITION', 'COMMITTED', 'LATEST', 'LAG', 'MEMBER'], rows, '  '));
  }
  return lines.join('\n');
}
