import type { AppError } from '../errors.ts';
import type { ConsumerRunner } from '../kafka/consumer-runner.ts';
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

/** The status of a runner started directly (tests), without superviseConsumer's compatibility verdict. */
export function kafkaStatusOf(runner: ConsumerRunner): KafkaStatus {
  return {
    // Reading the high watermarks is a request to the partition leaders: it fails when the cluster is away.
    ping: async () => void (await runner.refreshLag()),
    consumerAssigned: () => runner.isAssigned(),
  };
}

/**
 * The two Kafka checks every consumer service registers: `kafka` (the cluster answers) and `consumer` (this member
 * holds its assignment). While the broker is too old both are down with code KAFKA_BROKER_UNSUPPORTED.
 */
export function registerKafkaReadiness(readiness: Readiness, kafka: KafkaStatus, groupName: string): void {
  readiness.register('kafka', () => kafka.ping());
  readiness.register('consumer', () => {
    const problem = kafka.problem?.();
    if (problem !== undefined) return { ok: false, code: problem.code, detail: problem.detail };
    return kafka.consumerAssigned() ? true : { ok: false, detail: `not assigned in the ${groupName} group yet` };
  });
}
