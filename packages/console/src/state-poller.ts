// The one poller every page shares. Once a second it asks Kafka for the groups' offsets (and the topics' latest
// offsets) and the services' HTTP APIs for readiness, orders, stock and totals, builds a ConsoleState and tells
// every subscriber: a `snapshot` to one that just came, a `delta` (what changed, plus the new lag samples) to the
// others. Polls never overlap: the next is scheduled when the previous one ended.
//
// The orders, stock and totals are read again only when something moved in Kafka (every change to them is an
// event: an order placed, stock reserved or restocked), when a service's readiness changed, or every
// DATA_REFRESH_MS regardless; readiness is asked every poll, so a service going down shows within a second.
//
// Idle policy: with no page connected it keeps polling the groups only (three Kafka requests a second), because the
// lag chart covers the last 10 minutes also for someone who opens the page now; the services, the topics' offsets,
// the orders' fan-out and the dead letters are read only while someone watches. The first page to connect wakes a
// full poll at once and gets its snapshot from it.
import type { Logger } from '@orderflow/platform';
import {
  CONSOLE_STATE_VERSION,
  type ConsoleDelta,
  type ConsoleState,
  type ConsumerGroupView,
  type DeadLetterTopicView,
  type KafkaReachability,
  LAG_HISTORY_MS,
  type LagSample,
  type ServiceNode,
} from './console-state.ts';
import { DeadLetterReading } from './dead-letter-reading.ts';
import type { KafkaSource, TopicPartitionOffsets } from './kafka-source.ts';
import { OrderFanOut } from './order-fan-out.ts';
import type { ServiceEndpoints } from './service-endpoints.ts';
import { readHealth, readServiceData, type ServiceData } from './service-reading.ts';
import { buildTopology, EVENT_TOPICS, type FlowCounters, flowCounters } from './topology.ts';

export interface StateListener {
  snapshot(state: ConsoleState): void;
  delta(delta: ConsoleDelta): void;
}

export interface StatePollerOptions {
  readonly kafka: KafkaSource;
  readonly services: ServiceEndpoints;
  readonly log: Logger;
  /** 1000 ms: the "once a second". */
  readonly intervalMs?: number;
  /** How long a service may take to answer one poll's request; 800 ms, so a hung service cannot stall the poll. */
  readonly httpTimeoutMs?: number;
  readonly now?: () => number;
}

/** The sections a delta may carry, compared by their JSON between two polls. */
/** The longest the orders, stock and totals go unread while Kafka shows no movement. */
const DATA_REFRESH_MS = 10_000;

const SECTIONS = ['kafka', 'topology', 'groups', 'orders', 'stock', 'analytics', 'deadLetters'] as const;

export class StatePoller {
  readonly #kafka: KafkaSource;
  readonly #services: ServiceEndpoints;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #httpTimeoutMs: number;
  readonly #now: () => number;
  readonly #listeners = new Set<StateListener>();
  readonly #awaitingSnapshot = new Set<StateListener>();
  readonly #lagHistory = new Map<string, LagSample[]>();
  readonly #fanOut = new OrderFanOut();
  readonly #deadLetterReading = new DeadLetterReading();
  #groups: ConsumerGroupView[] = [];
  #offsets: TopicPartitionOffsets[] = [];
  #deadLetters: DeadLetterTopicView[] = [];
  #counters: FlowCounters | undefined;
  #serviceData: ServiceData | undefined;
  #serviceDataKey = '';
  #serviceDataAt = 0;
  /** The state of the last poll, when it was a full one; undefined after an idle poll. */
  #state: ConsoleState | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #started = false;
  #stopped = false;

  constructor(options: StatePollerOptions) {
    this.#kafka = options.kafka;
    this.#services = options.services;
    this.#log = options.log;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#httpTimeoutMs = options.httpTimeoutMs ?? 800;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#schedule(0);
  }

  /** Adds a listener; it gets a snapshot now when the last poll was a full one, else from the poll it wakes. */
  subscribe(listener: StateListener): () => void {
    this.#listeners.add(listener);
    if (this.#state !== undefined) {
      listener.snapshot(this.#state);
    } else {
      this.#awaitingSnapshot.add(listener);
      if (this.#started && this.#polling === undefined) this.#schedule(0);
    }
    return () => {
      this.#listeners.delete(listener);
      this.#awaitingSnapshot.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** The lag samples kept per group (what a snapshot carries), also between full polls. */
  lagHistory(): Record<string, readonly LagSample[]> {
    return Object.fromEntries([...this.#lagHistory].map(([group, samples]) => [group, [...samples]]));
  }

  async close(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#polling;
    this.#listeners.clear();
    this.#awaitingSnapshot.clear();
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#polling = this.#tick().finally(() => {
        this.#polling = undefined;
      });
    }, delayMs);
  }

  async #tick(): Promise<void> {
    const started = this.#now();
    try {
      await this.#poll(started);
    } catch (error) {
      this.#log.warn({ err: error }, 'console poll failed');
    }
    if (!this.#stopped) this.#schedule(Math.max(0, this.#intervalMs - (this.#now() - started)));
  }

  async #poll(at: number): Promise<void> {
    const full = this.#listeners.size > 0;
    let kafkaError: string | null = null;
    try {
      if (full) {
        const reading = await this.#kafka.read(EVENT_TOPICS);
        this.#groups = reading.groups;
        this.#offsets = reading.offsets;
      } else {
        this.#groups = await this.#kafka.groups();
      }
      this.#sampleLag(at);
    } catch (error) {
      kafkaError = messageOf(error);
    }
    if (!full) {
      this.#state = undefined;
      return;
    }
    const health = await readHealth(this.#services, this.#httpTimeoutMs);
    const counters = flowCounters(at, this.#offsets, this.#groups);
    const services = await this.#readData(at, counters, health);
    if (kafkaError === null) {
      try {
        await this.#fanOut.update(this.#kafka, services.orders ?? [], this.#groups, this.#offsets);
        this.#deadLetters = await this.#deadLetterReading.read(this.#kafka, this.#offsets);
      } catch (error) {
        kafkaError = messageOf(error);
      }
    }
    const kafka: KafkaReachability = {
      brokers: this.#kafka.brokers,
      reachable: kafkaError === null,
      error: kafkaError,
    };
    const state: ConsoleState = {
      version: CONSOLE_STATE_VERSION,
      at: new Date(at).toISOString(),
      kafka,
      topology: buildTopology(health, this.#offsets, counters, this.#counters, 3 * this.#intervalMs),
      groups: this.#groups,
      lagHistory: this.lagHistory(),
      orders: services.orders === null ? [] : this.#fanOut.rows(services.orders),
      stock: services.stock,
      analytics: services.analytics,
      deadLetters: this.#deadLetters,
    };
    this.#counters = counters;
    this.#publish(state, kafkaError === null ? at : undefined);
  }

  async #readData(at: number, counters: FlowCounters, health: readonly ServiceNode[]): Promise<ServiceData> {
    const key = JSON.stringify([[...counters.values], this.#offsets, health.map((s) => s.ready)]);
    if (
      this.#serviceData === undefined ||
      key !== this.#serviceDataKey ||
      at - this.#serviceDataAt >= DATA_REFRESH_MS
    ) {
      this.#serviceData = await readServiceData(this.#services, this.#httpTimeoutMs);
      this.#serviceDataKey = key;
      this.#serviceDataAt = at;
    }
    return this.#serviceData;
  }

  #sampleLag(at: number): void {
    const cutoff = at - LAG_HISTORY_MS;
    const present = new Set<string>();
    for (const group of this.#groups) {
      present.add(group.group);
      const samples = this.#lagHistory.get(group.group) ?? [];
      samples.push({ at, lag: group.lag });
      this.#lagHistory.set(group.group, samples);
    }
    for (const [group, samples] of this.#lagHistory) {
      const firstKept = samples.findIndex((sample) => sample.at >= cutoff);
      if (firstKept === -1) samples.length = 0;
      else if (firstKept > 0) samples.splice(0, firstKept);
      // A deleted group's line ends with its last sample and disappears once that is out of the window.
      if (samples.length === 0 && !present.has(group)) this.#lagHistory.delete(group);
    }
  }

  /** @param sampledAt the time of this poll's lag samples; undefined when Kafka did not answer. */
  #publish(state: ConsoleState, sampledAt: number | undefined): void {
    const previous = this.#state;
    this.#state = state;
    let delta: ConsoleDelta | undefined;
    if (previous !== undefined) {
      const changed: Record<string, unknown> = { at: state.at };
      for (const section of SECTIONS) {
        if (JSON.stringify(state[section]) !== JSON.stringify(previous[section])) changed[section] = state[section];
      }
      if (sampledAt !== undefined) {
        changed.lagSamples = Object.fromEntries(this.#groups.map((g) => [g.group, { at: sampledAt, lag: g.lag }]));
      }
      delta = changed as unknown as ConsoleDelta;
    }
    for (const listener of [...this.#listeners]) {
      try {
        if (delta === undefined || this.#awaitingSnapshot.has(listener)) listener.snapshot(state);
        else listener.delta(delta);
      } catch (error) {
        this.#log.warn({ err: error }, 'console listener failed; dropping it');
        this.#listeners.delete(listener);
      }
    }
    this.#awaitingSnapshot.clear();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
