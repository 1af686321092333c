import { type AnyCloudEvent, type EventType, EventTypes, type StockRejectionReason } from '@orderflow/contracts';

// One template per event type a customer hears about. Placeholders are `{name}`; the values come from the event's
// data, so the wording lives here and nowhere else. stock-changed has no template: it concerns a product, not an
// order, and nobody is told about it.

export interface Template {
  readonly subject: string;
  readonly message: string;
}

export const templates = {
  [EventTypes.orderCreated]: {
    subject: 'Order received',
    message: 'We received your order {orderId}: {quantity} × {productId}.',
  },
  [EventTypes.stockReserved]: {
    subject: 'Order confirmed',
    message: 'Your order {orderId} is confirmed: {quantity} × {productId} reserved.',
  },
  [EventTypes.stockRejected]: {
    subject: 'Out of stock',
    message: 'Your order {orderId} cannot be fulfilled: {productId} is out of stock ({reason}).',
  },
} as const satisfies Partial<Record<EventType, Template>>;

/** The event types that produce a notification. */
export type NotifiedEventType = keyof typeof templates;

export interface RenderedNotification {
  readonly orderId: string;
  readonly subject: string;
  readonly message: string;
}

type Values = Readonly<Record<string, string | number>>;

/** The notification an event calls for, or undefined for an event nobody is notified about. */
export function renderNotification(event: AnyCloudEvent): RenderedNotification | undefined {
  switch (event.type) {
    case EventTypes.orderCreated:
    case EventTypes.stockReserved: {
      const { orderId, productId, quantity } = event.data;
      return render(templates[event.type], orderId, { orderId, productId, quantity });
    }
    case EventTypes.stockRejected: {
      const { orderId, productId, quantity, reason, available } = event.data;
      return render(templates[event.type], orderId, {
        orderId,
        productId,
        quantity,
        reason: describeReason(reason, quantity, available),
      });
    }
    case EventTypes.stockChanged:
      return undefined;
  }
}

function render(template: Template, orderId: string, values: Values): RenderedNotification {
  return { orderId, subject: fill(template.subject, values), message: fill(template.message, values) };
}

/** Replaces every `{name}`; a placeholder without a value is a bug in a template, so it throws rather than leak. */
export function fill(text: string, values: Values): string {
  return text.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new TypeError(`template placeholder {${name}} has no value`);
    return String(value);
  });
}

function describeReason(reason: StockRejectionReason, quantity: number, available: number | undefined): string {
  switch (reason) {
    case 'INSUFFICIENT_STOCK':
      return available === undefined ? 'not enough stock' : `${quantity} requested, ${available} available`;
    case 'UNKNOWN_PRODUCT':
      return 'unknown product';
  }
}
