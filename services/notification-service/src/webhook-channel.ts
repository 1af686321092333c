import { createHmac } from 'node:crypto';
import type { NotificationChannel } from './notification-channel.ts';
import { NotificationErrors } from './notification-errors.ts';

export const SIGNATURE_HEADER = 'x-orderflow-signature';
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

export interface WebhookChannelOptions {
  readonly url: string;
  /** Key of the HMAC-SHA256 body signature. */
  readonly secret: string;
  /** How long one request may take, until its response headers arrive. */
  readonly timeoutMs: number;
  readonly maxAttempts: number;
}

/** Statuses that say "not now" rather than "never": another attempt later may succeed. */
const RETRIABLE_STATUSES = new Set([408, 425, 429]);

/**
 * POSTs the notification as JSON. The body is signed (`sha256=<hex HMAC-SHA256 of the exact body bytes>`) so the
 * receiver can check it came from us unaltered, and carries the notification id as Idempotency-Key: a retry after a
 * lost answer, or after a crash before SENT was recorded, repeats the same key and the receiver drops the duplicate.
 * Redirects are not followed: a signed notification goes to the configured URL or nowhere.
 */
export function createWebhookChannel(options: WebhookChannelOptions): NotificationChannel {
  const { url, secret, timeoutMs, maxAttempts } = options;
  // fetch refuses URLs with credentials; `https://user:pass@host/` is sent as Basic authentication instead, and the
  // credentials stay out of logs and error messages.
  const target = new URL(url);
  const authorization =
    target.username === '' && target.password === ''
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
  target.username = '';
  target.password = '';
  const shownUrl = target.toString();

  return Object.freeze<NotificationChannel>({
    name: 'webhook',
    maxAttempts,
    inProcess: false,
    async deliver(notification, { event, traceparent, signal }) {
      const { id, eventId, eventType, orderId, subject, message, createdAt } = notification;
      const body = JSON.stringify({ id, eventId, eventType, orderId, subject, message, createdAt, data: event.data });
      let response: Response;
      try {
        response = await fetch(shownUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'orderflow-notification-service',
            [SIGNATURE_HEADER]: `sha256=${sign(body, secret)}`,
            [IDEMPOTENCY_KEY_HEADER]: id,
            traceparent,
            ...(authorization === undefined ? {} : { authorization }),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        });
      } catch (error) {
        if (error instanceof Error && error.name === 'TimeoutError') {
          throw NotificationErrors.create('WEBHOOK_TIMEOUT', `${shownUrl} did not answer within ${timeoutMs} ms`, {
            cause: error,
          });
        }
        const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
        const why =
          typeof cause?.code === 'string' ? cause.code : ((cause?.message ?? (error as Error).message) as string);
        throw NotificationErrors.create('WEBHOOK_UNREACHABLE', `${shownUrl} is unreachable: ${why}`, { cause: error });
      }
      // Only the status matters; the body is discarded so the connection can be reused.
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) return;
      const answer = `${shownUrl} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      const retriable = response.status >= 500 || RETRIABLE_STATUSES.has(response.status);
      throw NotificationErrors.create(retriable ? 'WEBHOOK_HTTP_ERROR' : 'WEBHOOK_REJECTED', answer);
    },
  });
}

function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}
