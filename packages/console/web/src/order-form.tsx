// Place an order from the page: the console passes it to order-service, whose answer (202, or a problem document
// naming what is wrong) is shown as it came. The order then appears in the table through the stream like any other.
import { useState } from 'preact/hooks';
import { postJson } from './api.ts';

interface PlacedOrder {
  readonly orderId: string;
  readonly status: string;
}

type Outcome =
  { readonly kind: 'placed'; readonly order: PlacedOrder } | { readonly kind: 'failed'; readonly text: string };

export function OrderForm({ products }: { products: readonly string[] }) {
  const [productId, setProductId] = useState('');
  const [quantity, setQuantity] = useState('1');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const product = productId === '' ? (products[0] ?? '') : productId;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const result = await postJson<PlacedOrder>('api/orders', { productId: product, quantity: Number(quantity) });
    setBusy(false);
    setOutcome(result.ok ? { kind: 'placed', order: result.body } : { kind: 'failed', text: result.problem });
  };

  return (
    <section class="card" aria-labelledby="place-title">
      <h2 id="place-title">Place an order</h2>
      <form class="order-form" onSubmit={submit} data-testid="order-form">
        <label>
          <span>Product</span>
          <input
            name="productId"
            list="product-ids"
            value={product}
            onInput={(event) => setProductId(event.currentTarget.value)}
            required
            pattern="[A-Za-z0-9_\-]+"
            maxLength={64}
            autocomplete="off"
          />
          <datalist id="product-ids">
            {products.map((id) => (
              <option value={id} key={id} />
            ))}
          </datalist>
        </label>
        <label>
          <span>Quantity</span>
          <input
            name="quantity"
            type="number"
            min={1}
            max={1000}
            step={1}
            value={quantity}
            onInput={(event) => setQuantity(event.currentTarget.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Placing…' : 'Place order'}
        </button>
      </form>
      <p role="status" aria-live="polite" class="outcome" data-testid="order-outcome">
        {outcome?.kind === 'placed' && (
          <>
            Order{' '}
            <span class="mono" data-testid="placed-order-id">
              {outcome.order.orderId}
            </span>{' '}
            accepted ({outcome.order.status}).
          </>
        )}
        {outcome?.kind === 'failed' && <span class="bad">Not placed: {outcome.text}</span>}
      </p>
    </section>
  );
}
