// The four services the launcher runs, with their default ports and the variable that moves each one.
import { fileURLToPath } from 'node:url';

export interface ServiceDefinition {
  /** Package-style name, also the consumer group and the log prefix's long form. */
  readonly name: string;
  /** Log prefix: `[order]`. */
  readonly label: string;
  readonly defaultPort: number;
  /** The launcher's variable that changes this service's port. */
  readonly portVariable: string;
  readonly entry: string;
  /** ANSI colour code of the log prefix. */
  readonly colour: number;
}

function entry(service: string): string {
  return fileURLToPath(new URL(`../../../services/${service}/src/main.ts`, import.meta.url));
}

export const serviceDefinitions: readonly ServiceDefinition[] = [
  {
    name: 'order-service',
    label: 'order',
    defaultPort: 8081,
    portVariable: 'ORDER_SERVICE_PORT',
    entry: entry('order-service'),
    colour: 36,
  },
  {
    name: 'stock-service',
    label: 'stock',
    defaultPort: 8082,
    portVariable: 'STOCK_SERVICE_PORT',
    entry: entry('stock-service'),
    colour: 33,
  },
  {
    name: 'notification-service',
    label: 'notify',
    defaultPort: 8083,
    portVariable: 'NOTIFICATION_SERVICE_PORT',
    entry: entry('notification-service'),
    colour: 35,
  },
  {
    name: 'analytics-service',
    label: 'analytics',
    defaultPort: 8084,
    portVariable: 'ANALYTICS_SERVICE_PORT',
    entry: entry('analytics-service'),
    colour: 32,
  },
];

export const brokerEntry = fileURLToPath(new URL('../../broker/src/bin.ts', import.meta.url));
export const BROKER_PORT_VARIABLE = 'ORDERFLOW_BROKER_PORT';
export const DEFAULT_BROKER_PORT = 9092;

export function findService(nameOrLabel: string): ServiceDefinition | undefined {
  return serviceDefinitions.find(
    (service) =>
      service.name === nameOrLabel || service.label === nameOrLabel || `${service.label}-service` === nameOrLabel,
  );
}
