// The page's actions: placing an order (passed on to order-service, whose answer, problem documents included,
// goes back as it is), looking one order up by id with its fan-out (beyond the latest the stream carries), and
// sending a dead-letter topic's records back to their source topic (dry run first).
import { DEAD_LETTER_SUFFIX, type HttpApp, PlatformErrors } from '@orderflow/platform';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import { ConsoleErrors } from './console-errors.ts';
import type { OrderRow, RedriveResult } from './console-state.ts';
import type { KafkaSource } from './kafka-source.ts';
import { orderRow, traceListed } from './order-fan-out.ts';
import type { ServiceEndpoints } from './service-endpoints.ts';
import { type ListedOrder, listedOrder } from './service-reading.ts';

/** The `orderflow dlq` code, as the command passes it in. */
export interface DeadLetterRedrive {
  /** Rejects with ConsoleErrors' DEAD_LETTER_TOPIC_NOT_FOUND when Kafka has no such topic. */
  redrive(topic: string, dryRun: boolean): Promise<RedriveResult>;
}

export interface ApiRoutesDeps {
  readonly services: ServiceEndpoints;
  readonly kafka: KafkaSource;
  /** Without it the redrive route is not registered (404), as for a console that cannot write to Kafka. */
  readonly redrive?: DeadLetterRedrive;
}

const ORDER_TIMEOUT_MS = 5000;

// Only the shape is checked here; order-service checks its own rules (product id pattern, quantity range) and its
// 400 reaches the page unchanged, so the two cannot disagree.
const PlaceOrderBody = Type.Object(
  {
    productId: Type.String({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer(),
    orderId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

const OrderParams = Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 64 }) });
const RedriveParams = Type.Object({ topic: Type.String({ minLength: 1, maxLength: 249 }) });
const RedriveBody = Type.Object({ dryRun: Type.Boolean() }, { additionalProperties: false });

export function registerApiRoutes(app: HttpApp, deps: ApiRoutesDeps): void {
  const orderService = deps.services['order-service'];

  /** order-service's answer, or ORDER_SERVICE_UNAVAILABLE when it gives none. */
  const callOrderService = async (path: string, requestId: string, init: RequestInit = {}): Promise<Response> => {
    try {
      return await fetch(`${orderService}${path}`, {
        ...init,
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        signal: AbortSignal.timeout(ORDER_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const reason = cause instanceof Error ? cause.message : (error as Error).message;
      throw ConsoleErrors.create('ORDER_SERVICE_UNAVAILABLE', `order-service at ${orderService}: ${reason}`);
    }
  };

  app.post('/api/orders', { schema: { body: PlaceOrderBody } }, async (request, reply) => {
    const response = await callOrderService('/orders', request.id, {
      method: 'POST',
      body: JSON.stringify(request.body),
    });
    return passOn(reply, response);
  });

  // The search box: order-service's record of the order (its 404 ORDER_NOT_FOUND passed on) and its trace.
  app.get('/api/orders/:orderId', { schema: { params: OrderParams } }, async (request, reply): Promise<OrderRow> => {
    const response = await callOrderService(`/orders/${encodeURIComponent(request.params.orderId)}`, request.id);
    if (!response.ok) return passOn(reply, response);
    const order = listedOrder((await response.json()) as ListedOrder);
    let traces;
    try {
      traces = await traceListed(deps.kafka, [order]);
    } catch (error) {
      throw ConsoleErrors.create('KAFKA_UNAVAILABLE', `trace of ${order.orderId}: ${(error as Error).message}`);
    }
    return orderRow(order, traces[0]);
  });

  const { redrive } = deps;
  if (redrive === undefined) return;
  app.post(
    '/api/dead-letters/:topic/redrive',
    { schema: { params: RedriveParams, body: RedriveBody } },
    async (request) => {
      const { topic } = request.params;
      if (!topic.endsWith(DEAD_LETTER_SUFFIX)) {
        throw PlatformErrors.create(
          'VALIDATION_FAILED',
          `${topic} is not a dead-letter topic (their names end in ${DEAD_LETTER_SUFFIX})`,
        );
      }
      return redrive.redrive(topic, request.body.dryRun);
    },
  );
}

async function passOn(reply: FastifyReply, response: Response): Promise<never> {
  const body = await response.text();
  return reply
    .code(response.status)
    .type(response.headers.get('content-type') ?? 'application/json')
    .send(body) as never;
}
