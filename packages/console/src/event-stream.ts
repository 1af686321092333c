// GET /events: the Server-Sent Events stream (https://html.spec.whatwg.org/multipage/server-sent-events.html) the
// page reads with EventSource. Event names and payloads are in console-state.ts.
import type { ServerResponse } from 'node:http';
import type { HttpApp } from '@orderflow/platform';
import { ConsoleEventNames } from './console-state.ts';
import type { StatePoller } from './state-poller.ts';

const KEEP_ALIVE_MS = 15_000;
/** A page that reads slower than this much unsent data is cut off; its EventSource reconnects to a fresh snapshot
 *  rather than the server buffering deltas for it without bound. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export function registerEventStream(app: HttpApp, poller: StatePoller): void {
  const open = new Set<ServerResponse>();

  app.get('/events', { logLevel: 'warn' }, (request, reply) => {
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-request-id': request.id,
    });
    open.add(response);
    const send = (event: string, data: unknown) => {
      if (response.writableLength > MAX_BUFFERED_BYTES) {
        response.destroy();
        return;
      }
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    const unsubscribe = poller.subscribe({
      snapshot: (state) => send(ConsoleEventNames.snapshot, state),
      delta: (delta) => send(ConsoleEventNames.delta, delta),
    });
    response.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      open.delete(response);
    });
  });

  // Open streams never end by themselves, and the server's close waits for every connection.
  app.addHook('preClose', async () => {
    for (const response of open) response.end();
  });
}
