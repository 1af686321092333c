// Where the console finds the four services: the base URL of each, by service name (which is also its consumer
// group's name, ConsumerGroups in @orderflow/contracts).
export interface ServiceEndpoints {
  readonly 'order-service': string;
  readonly 'stock-service': string;
  readonly 'notification-service': string;
  readonly 'analytics-service': string;
}

export const SERVICE_NAMES = ['order-service', 'stock-service', 'notification-service', 'analytics-service'] as const;
