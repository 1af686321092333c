import { OrderId } from '@orderflow/contracts';
import Type from 'typebox';
import { ChannelNames, NotificationStatuses } from './notification.ts';

// The HTTP contract of notification-service. Unknown query parameters are a 400 so a misspelt filter is reported
// instead of silently listing everything.

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;

export const ListNotificationsQuery = Type.Object(
  {
    orderId: Type.Optional(OrderId),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT, description: 'Most to return' }),
    ),
  },
  { additionalProperties: false },
);

export const NotificationView = Type.Object({
  id: Type.String({ description: '<event id>:<channel>, also the webhook Idempotency-Key' }),
  eventId: Type.String(),
  orderId: Type.String(),
  eventType: Type.String({ description: 'CloudEvents type of the event notified about' }),
  channel: Type.Enum([...ChannelNames]),
  status: Type.Enum([...NotificationStatuses]),
  attempts: Type.Integer({ minimum: 1 }),
  subject: Type.String(),
  message: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  sentAt: Type.Optional(Type.String({ format: 'date-time' })),
  failureReason: Type.Optional(Type.String()),
});

export const NotificationList = Type.Object({ notifications: Type.Array(NotificationView) });
