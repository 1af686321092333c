// Kafka's topic name rules (org.apache.kafka.common.internals.Topic): 1 to 249 characters of ASCII letters, digits,
// '.', '_' and '-', and not '.' or '..' (they would name directories other than the partition's). Names differing
// only by '.' versus '_' collide, because metric names replace '.' with '_'; Kafka refuses the second such topic.
const MAX_NAME_LENGTH = 249;
const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;

/** Why `name` cannot name a topic, or undefined when it can. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'topic name must not be empty';
  if (name === '.' || name === '..') return `topic name cannot be '.' or '..'`;
  if (name.length > MAX_NAME_LENGTH) return `topic name is longer than ${MAX_NAME_LENGTH} characters`;
  if (!LEGAL_NAME.test(name))
    return `topic name '${name}' has characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return undefined;
}

export function topicNamesCollide(a: string, b: string): boolean {
  return a !== b && a.replaceAll('.', '_') === b.replaceAll('.', '_');
}
