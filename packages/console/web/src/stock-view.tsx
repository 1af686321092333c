// Stock per product (stock-service) and the totals and top products counted by analytics-service.
import type { AnalyticsView, ProductStock } from '../../src/console-state.ts';
import { TableHead } from './table-head.tsx';

export function StockView({ stock, analytics }: { stock: readonly ProductStock[]; analytics: AnalyticsView | null }) {
  return (
    <section class="card" aria-labelledby="stock-title">
      <h2 id="stock-title">Stock and analytics</h2>
      <div class="split">
        <div>
          <h3>Stock</h3>
          {stock.length === 0 ? (
            <p class="muted">stock-service does not answer.</p>
          ) : (
            <table data-testid="stock-table">
              <TableHead columns={['product', '#available']} />
              <tbody>
                {stock.map((p) => (
                  <tr key={p.productId}>
                    <th scope="row">{p.productId}</th>
                    <td class={`num${p.available === 0 ? ' bad' : ''}`}>{p.available.toLocaleString('en')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div>
          <h3>Totals</h3>
          {analytics === null ? (
            <p class="muted">analytics-service does not answer.</p>
          ) : (
            <>
              <dl class="facts" data-testid="analytics-totals">
                <div>
                  <dt>orders</dt>
                  <dd>{analytics.totals.orders.toLocaleString('en')}</dd>
                </div>
                <div>
                  <dt>confirmed</dt>
                  <dd class="ok">{analytics.totals.confirmed.toLocaleString('en')}</dd>
                </div>
                <div>
                  <dt>rejected</dt>
                  <dd class={analytics.totals.rejected > 0 ? 'bad' : ''}>
                    {analytics.totals.rejected.toLocaleString('en')}
                  </dd>
                </div>
                <div>
                  <dt>units</dt>
                  <dd>{analytics.totals.quantity.toLocaleString('en')}</dd>
                </div>
              </dl>
              {Object.keys(analytics.totals.rejectedByReason).length > 0 && (
                <p class="muted">
                  rejected:{' '}
                  {Object.entries(analytics.totals.rejectedByReason)
                    .map(([reason, count]) => `${reason} ${count}`)
                    .join(', ')}
                </p>
              )}
              <h3>Top products</h3>
              {analytics.topProducts.length === 0 ? (
                <p class="muted">No orders counted yet.</p>
              ) : (
                <table>
                  <TableHead columns={['product', '#units', '#orders', '#confirmed', '#rejected']} />
                  <tbody>
                    {analytics.topProducts.map((p) => (
                      <tr key={p.productId}>
                        <th scope="row">{p.productId}</th>
                        <td class="num">{p.quantity.toLocaleString('en')}</td>
                        <td class="num">{p.orders.toLocaleString('en')}</td>
                        <td class="num">{p.confirmed.toLocaleString('en')}</td>
                        <td class="num">{p.rejected.toLocaleString('en')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </div>
      </div>
    </section>
  );
}
