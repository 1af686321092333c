// The page's layout: a header with the connection and Kafka status, then one section per part of the flow.
import type { ConsoleState } from '../../src/console-state.ts';
import { DeadLettersView } from './dead-letters-view.tsx';
import { GroupsView } from './groups-view.tsx';
import { type Connection, useLiveState } from './live-state.ts';
import { OrderForm } from './order-form.tsx';
import { OrdersView } from './orders-view.tsx';
import { StockView } from './stock-view.tsx';
import { TopologyView } from './topology-view.tsx';

const CONNECTION_LABELS: Readonly<Record<Connection, string>> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
};

export function App() {
  const { state, connection } = useLiveState();
  return (
    <>
      <a class="skip" href="#orders">
        Skip to orders
      </a>
      <header class="top">
        <h1>orderflow console</h1>
        <p class="status" role="status" aria-live="polite">
          <span class={`dot dot-${connection}`} aria-hidden="true" />
          <span data-testid="connection">{CONNECTION_LABELS[connection]}</span>
          {state !== null && <KafkaLine state={state} />}
        </p>
      </header>
      {state === null ? (
        <main class="loading">
          <p>Waiting for the first state from the console's server…</p>
        </main>
      ) : (
        <main class="sections">
          <TopologyView topology={state.topology} />
          <GroupsView groups={state.groups} lagHistory={state.lagHistory} at={state.at} />
          <OrdersView orders={state.orders} />
          <OrderForm products={state.stock.map((p) => p.productId)} />
          <StockView stock={state.stock} analytics={state.analytics} />
          <DeadLettersView deadLetters={state.deadLetters} />
        </main>
      )}
    </>
  );
}

function KafkaLine({ state }: { state: ConsoleState }) {
  const { kafka } = state;
  return (
    <>
      {' · '}Kafka {kafka.brokers}:{' '}
      <span class={kafka.reachable ? 'ok' : 'bad'} data-testid="kafka-status">
        {kafka.reachable ? 'reachable' : `unreachable (${kafka.error ?? 'no answer'})`}
      </span>
      {' · '}
      <time dateTime={state.at}>{new Date(state.at).toLocaleTimeString()}</time>
    </>
  );
}
