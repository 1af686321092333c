// Regenerates docs/console.png, the README's picture of the console: the real system (the e2e harness's broker and
// four service processes on free ports), the console served by the `orderflow console` code, a few orders placed
// (one rejected for want of stock), and Debian's Chromium taking the shot at 1280 wide. `npm run console:screenshot`.
import { fileURLToPath } from 'node:url';
import { placeOrder } from '../../../test/e2e/support/api.ts';
import { launchChromium, startConsoleFor } from '../../../test/e2e/support/console.ts';
import { startSystem } from '../../../test/e2e/support/system.ts';

const OUTPUT = fileURLToPath(new URL('../../../docs/console.png', import.meta.url));

const system = await startSystem('sqlite');
try {
  const services = await system.startAll();
  const webConsole = await startConsoleFor(system, services);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    await page.goto(webConsole.url);
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor({ timeout: 60_000 });
    const orders = [
      ['A001', 2],
      ['A002', 1],
      ['A003', 5],
      ['A001', 1],
      ['A004', 3],
      ['A002', 500],
      ['A005', 2],
      ['A003', 1],
    ] as const;
    for (const [index, [productId, quantity]] of orders.entries()) {
      await placeOrder(services.order, { orderId: `order-${1001 + index}`, productId, quantity });
    }
    // The last order settled and its fan-out shown, while the arrows still show the last seconds' rates.
    await page
      .locator('tr[data-order-id="order-1008"] [data-testid="order-status"]')
      .filter({ hasText: 'CONFIRMED' })
      .waitFor({ timeout: 60_000 });
    await page.locator('tr[data-order-id="order-1008"] .chip.ok').nth(3).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: OUTPUT, fullPage: true });
    console.log(`wrote ${OUTPUT}`);
  } finally {
    await browser.close();
    await webConsole.close();
  }
} finally {
  await system.close();
}
