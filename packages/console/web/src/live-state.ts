// The state the page shows, kept current by the server's stream alone: a `snapshot` replaces it, a `delta` is
// applied with the same applyConsoleDelta the server's tests check. The browser's EventSource reconnects by itself
// after a dropped connection and the server then sends a fresh snapshot, so nothing here retries or polls.
import { useEffect, useState } from 'preact/hooks';
import { applyConsoleDelta, type ConsoleDelta, ConsoleEventNames, type ConsoleState } from '../../src/console-state.ts';

export type Connection = 'connecting' | 'live' | 'reconnecting';

export interface LiveState {
  readonly state: ConsoleState | null;
  readonly connection: Connection;
}

export function useLiveState(url = 'events'): LiveState {
  const [live, setLive] = useState<LiveState>({ state: null, connection: 'connecting' });
  useEffect(() => {
    const source = new EventSource(url);
    source.addEventListener(ConsoleEventNames.snapshot, (event) => {
      const state = JSON.parse((event as MessageEvent<string>).data) as ConsoleState;
      setLive({ state, connection: 'live' });
    });
    source.addEventListener(ConsoleEventNames.delta, (event) => {
      const delta = JSON.parse((event as MessageEvent<string>).data) as ConsoleDelta;
      setLive((previous) =>
        previous.state === null ? previous : { state: applyConsoleDelta(previous.state, delta), connection: 'live' },
      );
    });
    source.addEventListener('error', () => setLive((previous) => ({ ...previous, connection: 'reconnecting' })));
    return () => source.close();
  }, [url]);
  return live;
}
