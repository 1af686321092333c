// Where `orderflow reset-offsets` moves each partition, with the rules of kafka-consumer-groups.sh --reset-offsets:
// one target for every partition in scope, and a result outside the log clamped to [earliest, latest] (a committed
// offset past the log end would make the consumers reset by their own policy; one before the log start points at
// records retention has deleted).

export type ResetTarget =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'shift'; readonly by: number }
  /** The first offset at or after a time: --to-datetime, and --by-duration counted back from now. */
  | { readonly kind: 'time'; readonly timestamp: number };

export interface PartitionPosition {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset, null when it has committed none for this partition. */
  readonly current: number | null;
  readonly earliest: number;
  readonly latest: number;
  /** For a time target: ListOffsets' answer for the timestamp, null when no record is that new. */
  readonly atTime?: number | null;
}

export interface PlannedReset {
  readonly topic: string;
  readonly partition: number;
  readonly current: number | null;
  readonly next: number;
  /** Set when the target fell outside the log and was moved to its nearest end. */
  readonly clamped: 'earliest' | 'latest' | null;
}

export function planPartitionReset(position: PartitionPosition, target: ResetTarget): PlannedReset {
  const { topic, partition, current, earliest, latest } = position;
  let wanted: number;
  switch (target.kind) {
    case 'earliest':
      wanted = earliest;
      break;
    case 'latest':
      wanted = latest;
      break;
    case 'offset':
      wanted = target.offset;
      break;
    case 'shift':
      // Like Kafka's tool, a partition with no committed offset shifts from where a new consumer would start here.
      wanted = (current ?? earliest) + target.by;
      break;
    case 'time':
      // No record at or after the time: the group starts after everything there is, as Kafka's tool does.
      wanted = position.atTime ?? latest;
      break;
  }
  if (wanted < earliest) return { topic, partition, current, next: earliest, clamped: 'earliest' };
  if (wanted > latest) return { topic, partition, current, next: latest, clamped: 'latest' };
  return { topic, partition, current, next: wanted, clamped: null };
}

const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** An ISO 8601 duration of days, hours, minutes and seconds (PT10M, P1DT2H, PT0.5S) in milliseconds. */
export function parseIsoDuration(text: string): number | undefined {
  const match = ISO_DURATION.exec(text);
  if (match === null || text === 'P') return undefined;
  const [, days, hours, minutes, seconds] = match;
  return (
    Number(days ?? 0) * 86_400_000 +
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Math.round(Number(seconds ?? 0) * 1000)
  );
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** An ISO 8601 date-time (2026-12-06T10:00:00Z, with an offset, or local time without one) as epoch milliseconds. */
export function parseIsoDatetime(text: string): number | undefined {
  if (!ISO_DATETIME.test(text)) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}
