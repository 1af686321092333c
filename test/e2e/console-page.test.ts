// The web console as a person uses it, in a real browser (support/console.ts: Debian's Chromium driven by
// playwright-core), against the real system (broker and four service processes) with the console served
// by the `orderflow console` code in this process. Place an order from the form and see it CONFIRMED and the
// order-topic counter rise; stop notification-service and see its health turn red and its group's lag rise while
// orders keep coming; find the first order, now beyond the latest 50, with the search box; start the service again
// and see the lag return to 0. The page logs no error on the way.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { RunningConsole } from '@orderflow/cli/src/commands/console.ts';
import type { Browser, Page } from 'playwright-core';
import { placeAcceptedOrder, uniqueId } from './support/api.ts';
import { CHROMIUM, launchChromium, startConsoleFor } from './support/console.ts';
import { type Service, withSystem } from './support/system.ts';

// What the functions run in the page use of the DOM; declared here because this project's tsconfig has Node's
// types only (the page's own code is checked with the DOM in packages/console/web/tsconfig.json).
interface PageElement {
  readonly textContent: string | null;
  readonly value?: string;
  getAttribute(name: string): string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
};

/** One wait for the page to show something: generous, the machine may be running much else. */
const WAIT_MS = 90_000;
/** More than the latest 50 the page lists, so the form's order drops out of the table. */
const WHILE_DOWN = 51;

test(
  'the console page: place an order, watch a group fall behind and catch up, find an old order',
  { timeout: 600_000 },
  async (t) => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    await withSystem(t, 'sqlite', async (system) => {
      const services = await system.startAll();
      const webConsole = await startConsoleFor(system, services);
      let browser: Browser | undefined;
      try {
        browser = await launchChromium({ timeoutMs: WAIT_MS });
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(`console: ${message.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        await scenario(page, webConsole, services.order, services.notification, async () => {
          const url = new URL(services.notification.url);
          return system.start('notification-service', { PORT: url.port });
        });
        assert.deepEqual(problems, [], 'the page logged no error');
      } finally {
        await browser?.close();
        await webConsole.close();
      }
    });
  },
);

async function scenario(
  page: Page,
  webConsole: RunningConsole,
  order: Service,
  notification: Service,
  restartNotification: () => Promise<Service>,
): Promise<void> {
  await page.goto(webConsole.url, { timeout: WAIT_MS });
  await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor({ timeout: WAIT_MS });
  await health(page, 'notification-service', 'ready');
  const ordersBefore = await numberIn(page, 'topic-records-order-topic');

  // The form: its product defaults to the first one in stock, quantity 1.
  await page.locator('input[name="productId"]').waitFor({ timeout: WAIT_MS });
  await page.waitForFunction(() => (document.querySelector('input[name="productId"]')?.value ?? '') !== '', undefined, {
    timeout: WAIT_MS,
  });
  await page.getByRole('button', { name: 'Place order' }).click();
  const placed = page.getByTestId('placed-order-id');
  await placed.waitFor({ timeout: WAIT_MS });
  const orderId = (await placed.textContent())!.trim();
  const row = page.locator(`tr[data-order-id="${orderId}"]`);
  await row.getByTestId('order-status').filter({ hasText: 'CONFIRMED' }).waitFor({ timeout: WAIT_MS });
  await waitForNumber(page, 'topic-records-order-topic', 'above', ordersBefore);
  // Every group that reads the order's events has processed them: the fan-out of `orderflow trace`.
  await page.waitForFunction(
    (id) => {
      const chips = [...document.querySelectorAll(`tr[data-order-id="${id}"] .chip`)];
      return chips.length === 4 && chips.every((chip) => chip.getAttribute('data-progress') === 'processed');
    },
    orderId,
    { timeout: WAIT_MS },
  );

  // notification-service stops: its health turns red, and its group's lag grows with every order placed meanwhile.
  assert.equal(await notification.stop(), 0);
  await health(page, 'notification-service', 'down');
  const run = uniqueId('console-page');
  const ids = Array.from({ length: WHILE_DOWN }, (_, i) => `${run}-${String(i).padStart(2, '0')}`);
  for (const id of ids) await placeAcceptedOrder(order, { orderId: id, productId: 'A002', quantity: 1 });
  // Not every order's events count: a partition the group never committed on has no lag to show (null, not 0).
  await waitForNumber(page, 'lag-notification-service', 'at-least', WHILE_DOWN / 3);
  const dead = page.getByTestId('group-notification-service');
  assert.match((await dead.getAttribute('class')) ?? '', /\bdead\b/, 'a group without members is shown dead');

  // The form's order is now older than the latest 50: Find looks it up by id, with its trace.
  await page.locator(`tr[data-order-id="${ids.at(-1)}"]`).waitFor({ timeout: WAIT_MS });
  await row.waitFor({ state: 'detached', timeout: WAIT_MS });
  await page.getByTestId('order-search').fill(orderId);
  await page.getByTestId('order-search').press('Enter');
  await row.getByTestId('order-status').filter({ hasText: 'CONFIRMED' }).waitFor({ timeout: WAIT_MS });
  await page
    .getByTestId('order-lookup')
    .filter({ hasText: `Found ${orderId}` })
    .waitFor({ timeout: WAIT_MS });
  await page.getByTestId('order-search').fill('');

  // Started again on the same address: ready, and its group back to lag 0.
  await restartNotification();
  await health(page, 'notification-service', 'ready');
  await waitForNumber(page, 'lag-notification-service', 'equal', 0);
}

/** Waits until the service shows this health; the topology shows a service in each topic's lane, all alike. */
async function health(page: Page, service: string, shown: 'ready' | 'down'): Promise<void> {
  await page
    .locator(`[data-testid="service-${service}"][data-health="${shown}"]`)
    .first()
    .waitFor({ timeout: WAIT_MS });
}

/** The number a test id's element shows (1,234 → 1234). */
async function numberIn(page: Page, testId: string): Promise<number> {
  const text = await page.getByTestId(testId).first().textContent({ timeout: WAIT_MS });
  return Number((text ?? '').replace(/[^\d]/g, ''));
}

type Comparison = 'above' | 'at-least' | 'equal';

/** Waits until the number a test id's element shows is above, at least or equal to `value`. */
async function waitForNumber(page: Page, testId: string, comparison: Comparison, value: number): Promise<void> {
  await page
    .waitForFunction(
      ({ testId, comparison, value }) => {
        const element = document.querySelector(`[data-testid="${testId}"]`);
        if (element === null) return false;
        const shown = Number((element.textContent ?? '').replace(/[^\d]/g, ''));
        return comparison === 'above' ? shown > value : comparison === 'at-least' ? shown >= value : shown === value;
      },
      { testId, comparison, value },
      { timeout: WAIT_MS },
    )
    .catch(async (error: unknown) => {
      const text = await page
        .locator('main')
        .innerText()
        .catch(() => '');
      throw new Error(`${testId} never ${comparison} ${value}; the page showed:\n${text}`, { cause: error });
    });
}
