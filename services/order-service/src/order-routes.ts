import { type HttpApp, requestTraceparent, traceIdOf } from '@orderflow/platform';
import { OrderErrors } from './order-errors.ts';
import type { PlaceOrder } from './order-placement.ts';
import {
  CreateOrderBody,
  CreateOrderHeaders,
  DEFAULT_LIST_LIMIT,
  IDEMPOTENCY_KEY_HEADER,
  ListOrdersQuery,
  OrderList,
  OrderParams,
  OrderView,
} from './order-schemas.ts';
import type { OrderStore } from './order-store.ts';

export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

export interface OrderRoutesDeps {
  readonly placeOrder: PlaceOrder;
  readonly store: OrderStore;
}

export function registerOrderRoutes(app: HttpApp, deps: OrderRoutesDeps): void {
  const { placeOrder, store } = deps;

  app.post(
    '/orders',
    { schema: { body: CreateOrderBody, headers: CreateOrderHeaders, response: { 202: OrderView } } },
    async (request, reply) => {
      const traceparent = requestTraceparent(request);
      const { response, replayed } = await placeOrder({
        body: request.body,
        idempotencyKey: request.headers[IDEMPOTENCY_KEY_HEADER],
        traceparent,
        log: request.log.child({ traceId: traceIdOf(traceparent) }),
      });
      reply.code(response.statusCode).header('location', response.location);
      if (replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
      return response.body;
    },
  );

  app.get('/orders/:id', { schema: { params: OrderParams, response: { 200: OrderView } } }, async (request) => {
    const order = await store.get(request.params.id);
    if (order === undefined) throw OrderErrors.create('ORDER_NOT_FOUND', `No order with id ${request.params.id}`);
    return order;
  });

  app.get('/orders', { schema: { querystring: ListOrdersQuery, response: { 200: OrderList } } }, async (request) => {
    const { status, limit = DEFAULT_LIST_LIMIT } = request.query;
    return { orders: await store.list({ status, limit }) };
  });
}
