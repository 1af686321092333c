import Type, { type Static } from 'typebox';
import { OrderId, ProductId, Quantity, StockLevel } from './entity-ids.ts';

export const StockReservedV1 = Type.Object(
  {
    orderId: OrderId,
    productId: ProductId,
    quantity: Quantity,
    remaining: StockLevel,
  },
  { title: 'StockReservedV1', description: 'Stock was reserved for an order; remaining is the level after it' },
);

export type StockReservedV1 = Static<typeof StockReservedV1>;
