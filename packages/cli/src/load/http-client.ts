// A small JSON client on node:http with keep-alive connections: cheaper per request than fetch, so the load generator
// spends the machine's CPU on the system under test rather than on itself, and its sockets are bounded per origin.
import { Agent, request } from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON when the answer is JSON, else the text (empty for no body). */
  readonly body: unknown;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: URL;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export class HttpTimeoutError extends Error {
  readonly code = 'ERR_HTTP_TIMEOUT';
}

export class HttpClient {
  readonly #agent: Agent;
  readonly #timeoutMs: number;

  constructor(options: { maxSockets: number; timeoutMs: number }) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.#timeoutMs = options.timeoutMs;
  }

  send(call: HttpRequest): Promise<HttpAnswer> {
    const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
    const headers: Record<string, string | number> = { accept: 'application/json', ...call.headers };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    return new Promise((resolve, reject) => {
      const outgoing = request(call.url, { method: call.method, headers, agent: this.#agent }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const json = /json/.test(String(incoming.headers['content-type'] ?? ''));
          let body: unknown = text;
          if (json && text.length > 0) {
            try {
              body = JSON.parse(text);
            } catch {
              body = text;
            }
          }
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body });
        });
      });
      outgoing.setTimeout(this.#timeoutMs, () => {
        outgoing.destroy(new HttpTimeoutError(`no answer from ${call.url.origin} within ${this.#timeoutMs} ms`));
      });
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  /** Closes the idle keep-alive sockets so the process can exit. */
  close(): void {
    this.#agent.destroy();
  }
}
