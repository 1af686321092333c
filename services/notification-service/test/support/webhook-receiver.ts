import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  /** The exact bytes received, as the signature covers them. */
  readonly body: string;
  /** The status this request was answered with, or `hang` when it was left unanswered. */
  readonly status: number | 'hang';
}

/** Decides the status of the n-th request (1-based) from its body; `hang` never answers, to exercise the timeout. */
export type Responder = (requestNumber: number, body: string) => number | 'hang';

export interface WebhookReceiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /**
   * Bodies accepted with a 2xx, one per Idempotency-Key as a real receiver deduplicates: a repeated key is answered
   * 200 but not delivered again.
   */
  readonly delivered: Map<string, string>;
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP receiver on a free loopback port, answering as `respond` says. */
export async function startWebhookReceiver(respond: Responder = () => 200): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const delivered = new Map<string, string>();
  const waiters: { count: number; resolve: () => void }[] = [];
  let received = 0;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received += 1;
      const body = Buffer.concat(chunks).toString('utf8');
      const status = respond(received, body);
      const key = request.headers['idempotency-key'];
      if (status !== 'hang') {
        if (status >= 200 && status < 300 && typeof key === 'string' && !delivered.has(key)) delivered.set(key, body);
        response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      }
      requests.push({ method: request.method ?? '', headers: request.headers, body, status });
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hooks/orders`,
    requests,
    delivered,
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
