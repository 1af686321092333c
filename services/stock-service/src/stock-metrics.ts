import { Counter, type Registry } from 'prom-client';

export interface StockMetrics {
  /** Orders decided, by outcome; replayed=true counts redeliveries answered from the recorded decision. */
  readonly reservations: Counter<'outcome' | 'replayed'>;
}

export function createStockMetrics(registry: Registry): StockMetrics {
  return Object.freeze({
    reservations: new Counter({
      name: 'stock_reservations_total',
      help: 'Orders decided by stock-service, by outcome and whether the decision was replayed',
      labelNames: ['outcome', 'replayed'] as const,
      registers: [registry],
    }),
  });
}
