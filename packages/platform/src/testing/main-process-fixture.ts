import { before } from 'node:test';
import { closeAfterAll } from './close-after-all.ts';
import { type ServiceProcess, spawnService } from './service-process.ts';
import { temporaryDirectory } from './temporary-directory.ts';
import { startTestBroker, type TestBroker } from './test-broker.ts';

/** A service's main.ts as its own process on a broker of the test file's own, as a container runs it. */
export interface MainProcessFixture {
  /** The file's broker, started in its before() hook. */
  readonly broker: TestBroker;
  /**
   * Resolves with the broker once it is up: for the file's own before() hooks, which node:test runs alongside the
   * fixture's rather than after it.
   */
  readonly brokerStarted: Promise<TestBroker>;
  /**
   * Spawns main.ts configured by the environment alone: the file's broker, a data directory of its own unless
   * `env.ORDERFLOW_DATA_DIR` names one, then `env`. Whatever is still running after the file's tests gets SIGTERM.
   */
  start(env?: Readonly<Record<string, string>>): ServiceProcess & { readonly dataDir: string };
}

/** Registers the before() and after() hooks of a main-process test file; call it at the file's top level. */
export function mainProcessFixture(main: URL, name: string): MainProcessFixture {
  const closeLater = closeAfterAll();
  let broker: TestBroker | undefined;
  const starting = Promise.withResolvers<TestBroker>();
  // A failed start fails the before() hook; the file's own hooks waiting on it see the same error.
  starting.promise.catch(() => undefined);
  before(async () => {
    try {
      broker = closeLater(await startTestBroker(name));
      starting.resolve(broker);
    } catch (error) {
      starting.reject(error);
      throw error;
    }
  });
  const started = (): TestBroker => {
    if (broker === undefined) throw new Error(`${name}: the fixture's broker starts in before(), not at load time`);
    return broker;
  };
  return {
    get broker() {
      return started();
    },
    brokerStarted: starting.promise,
    start(env = {}) {
      const dataDir = env.ORDERFLOW_DATA_DIR ?? closeLater(temporaryDirectory(`${name}-data-`)).path;
      const service = spawnService(main, {
        KAFKA_BROKERS: started().broker.bootstrap,
        ORDERFLOW_DATA_DIR: dataDir,
        ...env,
      });
      return { ...closeLater(service), dataDir };
    },
  };
}
