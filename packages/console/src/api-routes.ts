// The page's two actions: placing an order (passed on to order-service, whose answer, problem documents included,
// goes back as it is) and sending a dead-letter topic's records back to their source topic (dry run first).
import { DEAD_LETTER_SUFFIX, type HttpApp, PlatformErrors } from '@orderflow/platform';
import Type from 'typebox';
import { ConsoleErrors } from './console-errors.ts';
import type { RedriveResult } from './console-state.ts';
import type { ServiceEndpoints } from './service-endpoints.ts';

/** The `orderflow dlq` code, as the command passes it in. */
export interface DeadLetterRedrive {
  /** Rejects with ConsoleErrors' DEAD_LETTER_TOPIC_NOT_FOUND when Kafka has no such topic. */
  redrive(topic: string, dryRun: boolean): Promise<RedriveResult>;
}

export interface ApiRoutesDeps {
  readonly services: ServiceEndpoints;
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

const RedriveParams = Type.Object({ topic: Type.String({ minLength: 1, maxLength: 249 }) });
const RedriveBody = Type.Object({ dryRun: Type.Boolean() }, { additionalProperties: false });

export function registerApiRoutes(app: HttpApp, deps: ApiRoutesDeps): void {
  const orderService = deps.services['order-service'];

  app.post('/api/orders', { schema: { body: PlaceOrderBody } }, async (request, reply) => {
    let response: Response;
    try {
      response = await fetch(`${orderService}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': request.id },
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(ORDER_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const reason = cause instanceof Error ? cause.message : (error as Error).message;
      throw ConsoleErrors.create('ORDER_SERVICE_UNAVAILABLE', `order-service at ${orderService}: ${reason}`);
    }
    const body = await response.text();
    return reply
      .code(response.status)
      .type(response.headers.get('content-type') ?? 'application/json')
      .send(body);
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
