// Before a run, every product of the run gets its starting stock through stock-service's admin API, which also tells
// order-service the product exists (stock-changed). The token is ADMIN_TOKEN, or the one the launcher keeps in its
// data directory, as every orderflow subcommand finds it.
import { resolve } from 'node:path';
import { readAdminToken } from '../launcher/admin-token.ts';
import type { HttpClient } from './http-client.ts';
import { problemCode } from './order-traffic.ts';

export class StockSetupError extends Error {
  readonly code = 'ERR_STOCK_SETUP';
}

export function findAdminToken(env: NodeJS.ProcessEnv): string | undefined {
  if (env.ADMIN_TOKEN !== undefined && env.ADMIN_TOKEN !== '') return env.ADMIN_TOKEN;
  return readAdminToken(resolve(env.ORDERFLOW_DATA_DIR ?? '.orderflow'));
}

const BUSY_RETRIES = 5;

export async function setStock(
  client: HttpClient,
  stockUrl: string,
  token: string,
  productIds: readonly string[],
  available: number,
): Promise<void> {
  for (const productId of productIds) {
    const url = new URL(`/stock/${encodeURIComponent(productId)}`, stockUrl);
    for (let attempt = 1; ; attempt++) {
      const answer = await client
        .send({ method: 'PUT', url, headers: { authorization: `Bearer ${token}` }, body: { available } })
        .catch((error: Error) => {
          throw new StockSetupError(`cannot reach stock-service at ${stockUrl}: ${error.message}`);
        });
      if (answer.status === 200 || answer.status === 201) break;
      const code = problemCode(answer);
      // Another admin change of the same product holds its lease: the service asks to retry.
      if (code === 'STOCK_CHANGE_BUSY' && attempt < BUSY_RETRIES) {
        await new Promise((done) => setTimeout(done, 1000));
        continue;
      }
      throw new StockSetupError(
        `PUT ${url.pathname} answered ${answer.status}${code ? ` ${code}` : ''}` +
          (answer.status === 401 || answer.status === 403
            ? ' (the admin token is missing or wrong: set ADMIN_TOKEN, or ORDERFLOW_DATA_DIR to where orderflow up keeps it)'
            : ''),
      );
    }
  }
}
