// The latest orders with their status and, per order, which consumer groups have processed its order-created event
// (the fan-out of `orderflow trace`). The search box narrows the table to order ids containing what is typed.
import { useState } from 'preact/hooks';
import type { OrderRow } from '../../src/console-state.ts';

export function OrdersView({ orders }: { orders: readonly OrderRow[] }) {
  const [query, setQuery] = useState('');
  const wanted = query.trim().toLowerCase();
  const shown = wanted === '' ? orders : orders.filter((order) => order.orderId.toLowerCase().includes(wanted));
  return (
    <section class="card wide" id="orders" aria-labelledby="orders-title">
      <div class="section-head">
        <h2 id="orders-title">Latest orders</h2>
        <label class="search">
          <span>Search by order id</span>
          <input
            type="search"
            value={query}
            onInput={(event) => setQuery(event.currentTarget.value)}
            placeholder="order id"
            data-testid="order-search"
            autocomplete="off"
            spellcheck={false}
          />
        </label>
      </div>
      {orders.length === 0 ? (
        <p class="muted">No orders yet: place one below.</p>
      ) : shown.length === 0 ? (
        <p class="muted" role="status">
          No order among the latest {orders.length} has an id containing “{query.trim()}”.
        </p>
      ) : (
        <div class="scroll">
          <table class="orders" data-testid="orders-table">
            <caption class="visually-hidden">
              The latest orders, newest first, with the consumer groups that have processed each
            </caption>
            <thead>
              <tr>
                <th scope="col">order</th>
                <th scope="col">product</th>
                <th scope="col" class="num">
                  qty
                </th>
                <th scope="col">status</th>
                <th scope="col">processed by</th>
                <th scope="col">created</th>
              </tr>
            </thead>
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
  if (order.processedBy.length === 0) return <span class="muted">locating…</span>;
  return (
    <ul class="chips" aria-label={`groups that processed ${order.orderId}`}>
      {order.processedBy.map(({ group, processed }) => (
        <li
          class={`chip ${processed ? 'ok' : 'pending'}`}
          key={group}
          title={`${group}: ${processed ? 'processed' : 'not yet'}`}
        >
          <span aria-hidden="true">{processed ? '✓' : '…'}</span> {group.replace(/-service$/, '')}
          <span class="visually-hidden">{processed ? ' processed' : ' not yet'}</span>
        </li>
      ))}
    </ul>
  );
}
