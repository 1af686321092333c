import type { HttpApp } from '@orderflow/platform';
import { DEFAULT_LIST_LIMIT, ListNotificationsQuery, NotificationList } from './notification-schemas.ts';
import type { NotificationStore } from './notification-store.ts';

export interface NotificationRoutesDeps {
  readonly store: NotificationStore;
  readonly now?: () => number;
}

export function registerNotificationRoutes(app: HttpApp, deps: NotificationRoutesDeps): void {
  const { store } = deps;
  const now = deps.now ?? Date.now;

  app.get(
    '/notifications',
    { schema: { querystring: ListNotificationsQuery, response: { 200: NotificationList } } },
    async (request) => {
      const { orderId, limit = DEFAULT_LIST_LIMIT } = request.query;
      return { notifications: await store.list({ ...(orderId === undefined ? {} : { orderId }), limit }, now()) };
    },
  );
}
