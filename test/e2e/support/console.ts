// The web console against a started system, as the console's e2e test and its screenshot script run it: the
// `orderflow console` code in this process pointed at the system's broker and its four services, and Debian's
// Chromium (/usr/bin/chromium, installed by .ci/run) driven by playwright-core to look at it.
import { type RunningConsole, startConsole } from '@orderflow/cli/src/commands/console.ts';
import { type Browser, chromium } from 'playwright-core';
import type { Services, System } from './system.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** Headless; --no-sandbox because Chromium will not start its sandbox as root, which CI and containers run as. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** The console on a free loopback port, its logs at warn. */
export function startConsoleFor(system: System, services: Services): Promise<RunningConsole> {
  return startConsole({
    env: {
      KAFKA_BROKERS: system.bootstrap,
      CONSOLE_PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ORDER_SERVICE_URL: services.order.url,
      STOCK_SERVICE_URL: services.stock.url,
      NOTIFICATION_SERVICE_URL: services.notification.url,
      ANALYTICS_SERVICE_URL: services.analytics.url,
    },
  });
}

/** `timeoutMs` bounds Chromium's start; playwright's default 3 minutes when unset. */
export function launchChromium(options: { timeoutMs?: number } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
}
