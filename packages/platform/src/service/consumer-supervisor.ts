import type { Logger } from 'pino';
import { type RetryPolicy, retryDelayMs, sleepUnlessAborted } from '../kafka/backoff.ts';
import { type BrokerCompatibility, createBrokerCompatibility } from '../kafka/broker-compatibility.ts';
import type { ConsumerRunner } from '../kafka/consumer-runner.ts';
import { PlatformErrors } from '../errors.ts';
import type { KafkaStatus } from './kafka-status.ts';

/** Kafka may come up after the service (compose, a laptop): the first start is retried with this backoff. */
export const CONSUMER_START_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: Number.POSITIVE_INFINITY,
  initialDelayMs: 500,
  maxDelayMs: 10_000,
});

export interface SupervisedConsumerOptions {
  /** The consumer's component logger (`component: 'order-consumer'`). */
  readonly log: Logger;
  /** Starts the service's consumer (its `src/<name>-consumer.ts`), passing the compatibility check to the runner. */
  start(brokerCompatibility: BrokerCompatibility): Promise<ConsumerRunner>;
  /** What the "consumer started" line says about it: topics, groupId. */
  readonly describe?: Readonly<Record<string, unknown>>;
  /** Tests shorten it. */
  readonly retry?: RetryPolicy;
}

export interface SupervisedConsumer {
  /** Resolves with the runner once it joined its group, or undefined when stop() came first. */
  readonly started: Promise<ConsumerRunner | undefined>;
  /** What readiness asks about Kafka, answered from the running consumer and the broker compatibility verdict. */
  readonly status: KafkaStatus;
  /** Ends the start retries, or stops the runner once it is started. */
  stop(): Promise<void>;
}

/**
 * Starts a consumer and keeps trying until it joins or stop() is called; HTTP meanwhile serves and reports not
 * ready. A broker too old for the client is logged once (by the compatibility check) and retried quietly, so an
 * upgraded broker is picked up without a restart.
 */
export function superviseConsumer(options: SupervisedConsumerOptions): SupervisedConsumer {
  const { log } = options;
  const policy = options.retry ?? CONSUMER_START_RETRY;
  const compatibility = createBrokerCompatibility({ log });
  const stopping = new AbortController();
  let runner: ConsumerRunner | undefined;

  const started = (async (): Promise<ConsumerRunner | undefined> => {
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      try {
        const started = await options.start(compatibility);
        if (stopping.signal.aborted) {
          await started.stop();
          return undefined;
        }
        runner = started;
        log.info({ ...options.describe }, 'consumer started');
        return started;
      } catch (error) {
        const retryInMs = retryDelayMs(attempt, policy);
        if (!PlatformErrors.is(error, 'KAFKA_BROKER_UNSUPPORTED')) {
          log.error({ err: error, attempt, retryInMs }, 'consumer could not start, will retry');
        }
        await sleepUnlessAborted(retryInMs, stopping.signal);
      }
    }
    return undefined;
  })();

  return {
    started,
    status: {
      async ping() {
        const problem = compatibility.problem();
        if (problem !== undefined) throw problem;
        if (runner === undefined) throw new Error('the consumer has not joined its group yet');
        // Reading the high watermarks is a request to the partition leaders: it fails when the cluster is away.
        await runner.refreshLag();
      },
      consumerAssigned: () => compatibility.problem() === undefined && (runner?.isAssigned() ?? false),
      problem: () => compatibility.problem(),
    },
    async stop() {
      stopping.abort();
      await (await started)?.stop();
    },
  };
}
