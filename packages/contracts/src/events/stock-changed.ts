import Type, { type Static } from 'typebox';
import { ProductId, StockLevel } from './entity-ids.ts';

export const StockChangeReason = Type.Enum(['RESERVED', 'RELEASED', 'RESTOCKED', 'ADJUSTED'], {
  description: 'What changed the stock level',
});

export type StockChangeReason = Static<typeof StockChangeReason>;

export const StockChangedV1 = Type.Object(
  {
    productId: ProductId,
    available: StockLevel,
    reason: StockChangeReason,
  },
  { title: 'StockChangedV1', description: 'The available stock of a product changed' },
);

export type StockChangedV1 = Static<typeof StockChangedV1>;
