import Type, { type Static } from 'typebox';
import { CustomerId, OrderId, ProductId, Quantity, Timestamp } from './entity-ids.ts';

// Extra properties are allowed on purpose: adding an optional field is a compatible change within v1, and an older
// consumer must not dead-letter events from a newer producer (tolerant reader).
export const OrderCreatedV1 = Type.Object(
  {
    orderId: OrderId,
    productId: ProductId,
    quantity: Quantity,
    customerId: Type.Optional(CustomerId),
    createdAt: Timestamp,
  },
  { title: 'OrderCreatedV1', description: 'An order was accepted by order-service' },
);

export type OrderCreatedV1 = Static<typeof OrderCreatedV1>;
