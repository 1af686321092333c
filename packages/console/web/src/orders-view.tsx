// The latest orders with their status and, per order, how far each consumer group got with its events (the fan-out
// of `orderflow trace`, from its code). The search box narrows the table to order ids containing what is typed; Find
// (or Enter) looks an order up by its full id on the server, so an order older than the latest ones is found too.
import { useState } from 'preact/hooks';
import type { GroupProgress, OrderRow } from '../../src/console-state.ts';
import { getJson } from './api.ts';
import { TableHead } from './table-head.tsx';

type Lookup =
  | { readonly kind: 'none' }
  | { readonly kind: 'busy'; readonly orderId: string }
  | { readonly kind: 'found'; readonly order: OrderRow; readonly at: string }
  | { readonly kind: 'failed'; readonly orderId: string; readonly text: string };

const PROGRESS: Readonly<Record<GroupProgress, { mark: string; text: string }>> = {
  processed: { mark: '✓', text: 'processed' },
  pending: { mark: '…', text: 'not yet' },
  'dead-lettered': { mark: '✗', text: 'dead-lettered' },
};

export function OrdersView({ orders }: { orders: readonly OrderRow[] }) {
  const [query, setQuery] = useState('');
  const [lookup, setLookup] = useState<Lookup>({ kind: 'none' });
  const wanted = query.trim();
  const filtered =
    wanted === '' ? orders : orders.filter((order) => order.orderId.toLowerCase().includes(wanted.toLowerCase()));
  const found = lookup.kind === 'found' && lookup.order.orderId === wanted ? lookup.order : undefined;
  const shown = found !== undefined && !filtered.some((o) => o.orderId === found.orderId) ? [found] : filtered;

  const find = async (event: Event) => {
    event.preventDefault();
    if (wanted === '' || orders.some((order) => order.orderId === wanted)) return;
    setLookup({ kind: 'busy', orderId: wanted });
    const result = await getJson<OrderRow>(`api/orders/${encodeURIComponent(wanted)}`);
    setLookup(
      result.ok
        ? { kind: 'found', order: result.body, at: new Date().toLocaleTimeString() }
        : { kind: 'failed', orderId: wanted, text: result.problem },
    );
  };

  return (
    <section class="card wide" id="orders" aria-labelledby="orders-title">
      <div class="section-head">
        <h2 id="orders-title">Latest orders</h2>
        <form class="search" role="search" onSubmit={find} aria-label="orders by id">
          <label for="order-search">Search by order id</label>
          <input
            id="order-search"
            type="search"
            value={query}
            onInput={(event) => setQuery(event.currentTarget.value)}
            placeholder="order id"
            data-testid="order-search"
            autocomplete="off"
            spellcheck={false}
          />
          <button type="submit" disabled={wanted === '' || lookup.kind === 'busy'}>
            Find
          </button>
        </form>
      </div>
      <p role="status" aria-live="polite" class="outcome" data-testid="order-lookup">
        {lookup.kind === 'busy' && `Looking up ${lookup.orderId}…`}
        {found !== undefined && shown[0] === found && lookup.kind === 'found' && (
          <>
            Found {found.orderId} beyond the latest {orders.length} (as of {lookup.at}; Find again to refresh).
          </>
        )}
        {lookup.kind === 'failed' && lookup.orderId === wanted && <span class="bad">{lookup.text}</span>}
      </p>
      {orders.length === 0 && shown.length === 0 ? (
        <p class="muted">No orders yet: place one below.</p>
      ) : shown.length === 0 ? (
        <p class="muted">
          No order among the latest {orders.length} has an id containing “{wanted}”; Find looks up the full id.
        </p>
      ) : (
        <div class="scroll">
          <table class="orders" data-testid="orders-table">
            <caption class="visually-hidden">
              The latest orders, newest first, with how far each consumer group got with their events
            </caption>
            <TableHead columns={['order', 'product', '#qty', 'status', 'processed by', 'created']} />
            <tbody>
              {shown.map((order) => (
                <tr key={order.orderId} data-order-id={order.orderId}>
                  <th scope="row" class="mono">
                    {order.orderId}
                  </th>
                  <td>{order.productId}</td>
                  <td class="num">{order.quantity}</td>
                  <td>
                    <span class={`badge status-${order.status}`} data-testid="order-status" title={order.reason}>
                      {order.status}
                    </span>
                    {order.reason !== undefined && <span class="muted reason"> {order.reason}</span>}
                  </td>
                  <td>
                    <FanOut order={order} />
                  </td>
                  <td>
                    <time dateTime={order.createdAt}>{new Date(order.createdAt).toLocaleTimeString()}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function FanOut({ order }: { order: OrderRow }) {
  if (order.fanOut.length === 0) return <span class="muted">locating…</span>;
  return (
    <ul class="chips" aria-label={`how far each group got with ${order.orderId}`}>
      {order.fanOut.map(({ group, progress }) => (
        <li
          class={`chip ${progress === 'processed' ? 'ok' : progress}`}
          key={group}
          title={`${group}: ${PROGRESS[progress].text}`}
          data-group={group}
          data-progress={progress}
        >
          <span aria-hidden="true">{PROGRESS[progress].mark}</span> {group.replace(/-service$/, '')}
          <span class="visually-hidden"> {PROGRESS[progress].text}</span>
        </li>
      ))}
    </ul>
  );
}
