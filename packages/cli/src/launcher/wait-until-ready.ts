// Polls until a service answers 200 on /health/ready, or a broker accepts TCP connections, within a deadline.
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

const POLL_INTERVAL_MS = 200;

export class NotReadyError extends Error {
  readonly code = 'ERR_NOT_READY';
}

export async function waitUntilHttpReady(url: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = `HTTP ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await delay(POLL_INTERVAL_MS, undefined, { signal });
  }
  throw new NotReadyError(`${url} not ready after ${timeoutMs / 1000}s (last: ${last})`);
}

export async function waitUntilTcpReady(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return;
    await delay(POLL_INTERVAL_MS, undefined, { signal });
  }
  throw new NotReadyError(`nothing listening on ${host}:${port} after ${timeoutMs / 1000}s`);
}
