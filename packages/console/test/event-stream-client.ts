// Reads GET /events as the page's EventSource would: one parsed event at a time, with a deadline for the next one
// a test expects, so tests wait for what they want instead of sleeping.
import type { ConsoleDelta, ConsoleState } from '../src/console-state.ts';
import { applyConsoleDelta } from '../src/console-state.ts';

export type StreamEvent = { event: 'snapshot'; data: ConsoleState } | { event: 'delta'; data: ConsoleDelta };

export interface EventStreamClient {
  readonly contentType: string | null;
  /** Every event received so far, in order. */
  readonly events: readonly StreamEvent[];
  /** The state the page would show: the last snapshot with every later delta applied. */
  state(): ConsoleState | undefined;
  /** Resolves with the state once `predicate` holds for it, rejects after `timeoutMs`. */
  until(predicate: (state: ConsoleState) => boolean, timeoutMs: number, what: string): Promise<ConsoleState>;
  close(): void;
}

export async function openEventStream(url: string): Promise<EventStreamClient> {
  const aborter = new AbortController();
  const response = await fetch(url, { signal: aborter.signal, headers: { accept: 'text/event-stream' } });
  const events: StreamEvent[] = [];
  let state: ConsoleState | undefined;
  const waiters = new Set<() => void>();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const name = lines.find((line) => line.startsWith('event: '))?.slice(7);
          const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
          if (name === undefined || data === undefined) continue;
          const parsed = { event: name, data: JSON.parse(data) } as StreamEvent;
          events.push(parsed);
          if (parsed.event === 'snapshot') state = parsed.data;
          else if (state !== undefined) state = applyConsoleDelta(state, parsed.data);
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // Aborted by close(), or the server went away: until() times out with its own message.
    }
  })();
  return {
    contentType: response.headers.get('content-type'),
    events,
    state: () => state,
    until(predicate, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (state !== undefined && predicate(state)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(state);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${what}: not seen within ${timeoutMs} ms; last state ${JSON.stringify(state)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => aborter.abort(),
  };
}
