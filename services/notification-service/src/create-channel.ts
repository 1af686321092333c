import { createLogChannel } from './log-channel.ts';
import type { ChannelName } from './notification.ts';
import type { NotificationChannel } from './notification-channel.ts';
import type { NotificationConfig } from './notification-config.ts';
import { createWebhookChannel } from './webhook-channel.ts';

/** The channel called `name`, configured from the service's settings. */
export function createChannel(name: ChannelName, settings: NotificationConfig): NotificationChannel {
  switch (name) {
    case 'log':
      return createLogChannel();
    case 'webhook':
      return createWebhookChannel({
        // resolveChannels added webhook only with a URL, and the config requires the secret along with it.
        url: settings.NOTIFY_WEBHOOK_URL!,
        secret: settings.NOTIFY_WEBHOOK_SECRET!,
        timeoutMs: settings.NOTIFY_WEBHOOK_TIMEOUT,
        maxAttempts: settings.NOTIFY_WEBHOOK_ATTEMPTS,
      });
  }
}
