import Type, { type Static } from 'typebox';
import { OrderId, ProductId, Quantity, StockLevel } from './entity-ids.ts';

export const StockRejectionReason = Type.Enum(['INSUFFICIENT_STOCK', 'UNKNOWN_PRODUCT'], {
  description: 'Why the reservation was refused',
});

export type StockRejectionReason = Static<typeof StockRejectionReason>;

export const StockRejectedV1 = Type.Object(
  {
    orderId: OrderId,
    productId: ProductId,
    quantity: Quantity,
    reason: StockRejectionReason,
    available: Type.Optional(StockLevel),
  },
  { title: 'StockRejectedV1', description: 'Stock could not be reserved for an order' },
);

export type StockRejectedV1 = Static<typeof StockRejectedV1>;
