import { CustomerId } from '@orderflow/contracts';
import Type, { type Static } from 'typebox';
import { OrderStatuses } from './order.ts';

// The HTTP contract of order-service. Bodies are strict (unknown fields are a 400) so a misspelt optional field is
// reported instead of silently dropped.

export const OrderIdParam = Type.String({ minLength: 1, maxLength: 64, description: 'Order identifier' });

export const OrderStatusSchema = Type.Enum([...OrderStatuses], { description: 'Where the order stands' });

export const CreateOrderBody = Type.Object(
  {
    orderId: Type.Optional(OrderIdParam),
    productId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    quantity: Type.Integer({ minimum: 1, maximum: 1000 }),
    customerId: Type.Optional(CustomerId),
  },
  { additionalProperties: false },
);

export type CreateOrderBody = Static<typeof CreateOrderBody>;

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

export const CreateOrderHeaders = Type.Object({
  [IDEMPOTENCY_KEY_HEADER]: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, pattern: '^[!-~]+$', description: 'Visible ASCII, no spaces' }),
  ),
});

export const OrderHistoryEntrySchema = Type.Object({
  status: OrderStatusSchema,
  at: Type.String({ format: 'date-time' }),
  reason: Type.Optional(Type.String()),
  eventId: Type.Optional(Type.String()),
});

export const OrderView = Type.Object({
  orderId: Type.String(),
  productId: Type.String(),
  quantity: Type.Integer(),
  customerId: Type.Optional(Type.String()),
  status: OrderStatusSchema,
  reason: Type.Optional(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  history: Type.Array(OrderHistoryEntrySchema),
});

export const OrderParams = Type.Object({ id: OrderIdParam }, { additionalProperties: false });

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;

export const ListOrdersQuery = Type.Object(
  {
    status: Type.Optional(OrderStatusSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT })),
  },
  { additionalProperties: false },
);

export const OrderList = Type.Object({ orders: Type.Array(OrderView) });
