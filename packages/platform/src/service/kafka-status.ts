import type { AppError } from '../errors.ts';
import type { Readiness } from '../readiness.ts';

/** What a service's readiness needs to know about Kafka; superviseConsumer answers it from the running consumer. */
export interface KafkaStatus {
  /** Resolves when the cluster answers a request; rejects otherwise (with KAFKA_BROKER_UNSUPPORTED for an old one). */
  ping(): Promise<void>;
  /** True while the consumer is a member of its group with an assignment. */
  consumerAssigned(): boolean;
  /** KAFKA_BROKER_UNSUPPORTED while the broker lacks an API version the client needs. */
  problem?(): AppError | undefined;
}

/**
 * The two Kafka checks every consumer service registers: `kafka` (the cluster answers) and `consumer` (this member
 * holds its assignment). While the broker is too old both are down with code KAFKA_BROKER_UNSUPPORTED.
 */
export function registerKafkaReadiness(readiness: Readiness, kafka: KafkaStatus, groupName: string): void {
  readiness.register('kafka', () => kafka.ping());
  readiness.register('consumer', () => consumerCheck(kafka, `not assigned in the ${groupName} group yet`));
}

/** The consumer check on its own, for a service that names it differently. */
export function consumerCheck(kafka: KafkaStatus, notAssignedDetail: string): unknown {
  const problem = kafka.problem?.();
  if (problem !== undefined) return { ok: false, code: problem.code, detail: problem.detail };
  return kafka.consumerAssigned() ? true : { ok: false, detail: notAssignedDetail };
}
