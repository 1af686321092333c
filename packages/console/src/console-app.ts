// The console's HTTP server: the built page (packages/console/dist, made by the web build), the SSE stream of
// the state, the place-an-order proxy and the dead-letter redrive. Built here, listened on by the caller
// (`orderflow console`), driven by tests with inject().
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { createHttpApp, createMetrics, createReadiness, type HttpApp, type Logger } from '@orderflow/platform';
import { registerApiRoutes, type DeadLetterRedrive } from './api-routes.ts';
import { registerEventStream } from './event-stream.ts';
import type { KafkaSource } from './kafka-source.ts';
import type { ServiceEndpoints } from './service-endpoints.ts';
import { StatePoller } from './state-poller.ts';

export const CONSOLE_NAME = 'orderflow-console';
export const DEFAULT_PAGE_DIR = fileURLToPath(new URL('../dist/', import.meta.url));

export interface ConsoleAppDeps {
  readonly log: Logger;
  readonly kafka: KafkaSource;
  readonly services: ServiceEndpoints;
  readonly redrive?: DeadLetterRedrive;
  /** Directory of the built page; DEFAULT_PAGE_DIR unless a test serves another. */
  readonly pageDir?: string;
  readonly pollIntervalMs?: number;
  readonly httpTimeoutMs?: number;
  readonly now?: () => number;
}

export interface ConsoleApp {
  readonly app: HttpApp;
  readonly poller: StatePoller;
}

export function buildConsoleApp(deps: ConsoleAppDeps): ConsoleApp {
  const { log } = deps;
  const poller = new StatePoller({
    kafka: deps.kafka,
    services: deps.services,
    log,
    ...(deps.pollIntervalMs === undefined ? {} : { intervalMs: deps.pollIntervalMs }),
    ...(deps.httpTimeoutMs === undefined ? {} : { httpTimeoutMs: deps.httpTimeoutMs }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const app = createHttpApp({
    log,
    name: CONSOLE_NAME,
    readiness: createReadiness(),
    metrics: createMetrics({ service: CONSOLE_NAME }),
  });
  registerEventStream(app, poller);
  registerApiRoutes(app, {
    services: deps.services,
    kafka: deps.kafka,
    ...(deps.redrive === undefined ? {} : { redrive: deps.redrive }),
  });
  const pageDir = deps.pageDir ?? DEFAULT_PAGE_DIR;
  if (existsSync(pageDir)) {
    void app.register(fastifyStatic, { root: pageDir, index: 'index.html', cacheControl: false });
  } else {
    log.warn({ pageDir }, 'the console page is not built: run npm run build -w @orderflow/console');
  }
  app.addHook('onReady', async () => poller.start());
  app.addHook('onClose', async () => poller.close());
  return { app, poller };
}
