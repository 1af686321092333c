import { type Config, ConfigError, defineConfig, serviceConfigSpec } from '@orderflow/platform';
import { type ChannelName, ChannelNames } from './notification.ts';

export const SERVICE_NAME = 'notification-service';

const SECOND = 1000;
const HOUR = 3_600_000;

/** Every variable notification-service reads; main.ts loads it, everything else receives the result. */
export const notificationConfigSpec = defineConfig({
  ...serviceConfigSpec(SERVICE_NAME, 8083),
  /** Channels every notification goes to; `webhook` is added when NOTIFY_WEBHOOK_URL is set. */
  NOTIFY_CHANNELS: {
    type: 'list',
    default: ['log'],
    pattern: new RegExp(`^(?:${ChannelNames.join('|')})$`),
    allowed: ChannelNames.join(', '),
  },
  NOTIFY_WEBHOOK_URL: { type: 'url', optional: true, protocols: ['http', 'https'] },
  /** Key of the HMAC-SHA256 signature in X-Orderflow-Signature; a receiver cannot trust an unsigned body. */
  NOTIFY_WEBHOOK_SECRET: { type: 'string', requiredWith: 'NOTIFY_WEBHOOK_URL', secret: true },
  /** How long one webhook request may take, answer included. */
  NOTIFY_WEBHOOK_TIMEOUT: { type: 'duration', default: '5s', min: 100, max: 120 * SECOND },
  /** Webhook attempts per event before it is marked FAILED and dead-lettered, the first one included. */
  NOTIFY_WEBHOOK_ATTEMPTS: { type: 'int', default: 5, min: 1, max: 20 },
  /** Delay before the first webhook retry; it doubles with each further retry, up to 30 s. */
  NOTIFY_WEBHOOK_BACKOFF: { type: 'duration', default: '500ms', min: 1, max: 30 * SECOND },
  /**
   * How long a notification is kept, for GET /notifications and to recognise a redelivered event. It must outlast
   * the retention of order-topic and stock-topic: an event redelivered after its notification expired is sent again.
   */
  NOTIFY_RETENTION: { type: 'duration', default: '30d', min: HOUR },
});

export type NotificationConfig = Config<typeof notificationConfigSpec>;

/** The longest pause between two webhook attempts, however many there are. */
export const MAX_WEBHOOK_BACKOFF_MS = 30 * SECOND;

/**
 * The channels to deliver through, deduplicated: NOTIFY_CHANNELS, plus `webhook` when NOTIFY_WEBHOOK_URL is set.
 * Throws a ConfigError when `webhook` is asked for without a URL to send to.
 */
export function resolveChannels(
  config: Pick<NotificationConfig, 'NOTIFY_CHANNELS' | 'NOTIFY_WEBHOOK_URL'>,
): readonly ChannelName[] {
  const channels = new Set(config.NOTIFY_CHANNELS as readonly ChannelName[]);
  if (config.NOTIFY_WEBHOOK_URL !== undefined) channels.add('webhook');
  else if (channels.has('webhook')) {
    throw new ConfigError(
      'NOTIFY_WEBHOOK_URL',
      'NOTIFY_WEBHOOK_URL is not set; it is required when NOTIFY_CHANNELS includes webhook',
    );
  }
  return Object.freeze([...channels]);
}
