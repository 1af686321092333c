import { ConsumerGroups, ProductId, StockRejectionReason } from '@orderflow/contracts';
import type { ConsumerMetrics, HttpApp } from '@orderflow/platform';
import Type from 'typebox';
import { AnalyticsErrors } from './analytics-errors.ts';
import type { AnalyticsStore, Counts, TopProductsBy } from './analytics-store.ts';
import { latestConsumerLag } from './consumer-lag.ts';
import { firstMinuteOfLast, MINUTE_MS, WINDOW_MINUTES } from './minute-window.ts';

export interface StatsRoutesOptions {
  readonly store: AnalyticsStore;
  /** The consumer runner's lag gauge, read for GET /stats. */
  readonly consumerLag: ConsumerMetrics['consumerLag'];
  readonly now: () => number;
}

const DEFAULT_TOP = 10;
const MAX_TOP = 100;
const DEFAULT_TOP_BY: TopProductsBy = 'quantity';
const DEFAULT_MINUTES = 60;
const KNOWN_REJECTION_REASONS: readonly string[] = StockRejectionReason.enum;

const Count = (description: string) => Type.Integer({ minimum: 0, description });
const CountFields = {
  orders: Count('order-created events'),
  quantity: Count('Units ordered'),
  confirmed: Count('stock-reserved events'),
  rejected: Count('stock-rejected events'),
};
const ProductStats = Type.Object({ productId: ProductId, ...CountFields });
// A number that must be whole, rather than Type.Integer: query strings are converted before validation, and the
// conversion to an integer truncates, so `?minutes=1.5` would silently mean 1 instead of being refused.
const WholeNumber = (options: { minimum: number; maximum: number; description: string }) =>
  Type.Number({ ...options, multipleOf: 1 });
const TopBy = Type.Enum(['quantity', 'orders'], { description: 'What top products are ranked by' });

const StatsQuery = Type.Object(
  {
    top: Type.Optional(
      WholeNumber({ minimum: 1, maximum: MAX_TOP, description: `Top products listed; ${DEFAULT_TOP}` }),
    ),
    topBy: Type.Optional(TopBy),
  },
  { additionalProperties: false },
);
const Stats = Type.Object({
  totals: Type.Object({
    ...CountFields,
    rejectedByReason: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
  }),
  topBy: TopBy,
  topProducts: Type.Array(ProductStats),
  lag: Type.Array(
    Type.Object({
      topic: Type.String(),
      partition: Type.Integer({ minimum: 0 }),
      lag: Type.Integer({ minimum: 0, description: 'Records between the committed offset and the high watermark' }),
    }),
  ),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When an event was last counted; null before the first',
  }),
});

const ProductParams = Type.Object({ productId: ProductId });

const TimeSeriesQuery = Type.Object(
  {
    minutes: Type.Optional(
      WholeNumber({ minimum: 1, maximum: WINDOW_MINUTES, description: `Minutes up to now; ${DEFAULT_MINUTES}` }),
    ),
  },
  { additionalProperties: false },
);
const TimeSeries = Type.Object({
  minutes: Type.Integer({ minimum: 1, maximum: WINDOW_MINUTES }),
  buckets: Type.Array(
    Type.Object({ minute: Type.String({ format: 'date-time', description: 'Start of the minute' }), ...CountFields }),
  ),
});

export function registerStatsRoutes(app: HttpApp, options: StatsRoutesOptions): void {
  const { store, consumerLag, now } = options;

  app.get('/stats', { schema: { querystring: StatsQuery, response: { 200: Stats } } }, async (request) => {
    const { top = DEFAULT_TOP, topBy = DEFAULT_TOP_BY } = request.query;
    const [totals, topProducts, lag] = await Promise.all([
      store.totals(),
      store.topProducts(topBy, top),
      latestConsumerLag(consumerLag, ConsumerGroups.analytics),
    ]);
    // Every known reason is listed, zero included, so dashboards need not special-case a reason not seen yet.
    const rejectedByReason: Record<string, number> = {};
    for (const reason of KNOWN_REJECTION_REASONS) rejectedByReason[reason] = 0;
    Object.assign(rejectedByReason, totals.rejectedByReason);
    return {
      totals: { ...countsOf(totals), rejectedByReason },
      topBy,
      topProducts,
      lag,
      updatedAt: totals.updatedAt === undefined ? null : new Date(totals.updatedAt).toISOString(),
    };
  });

  app.get(
    '/stats/products/:productId',
    { schema: { params: ProductParams, response: { 200: ProductStats } } },
    async (request) => {
      const { productId } = request.params;
      const stats = await store.product(productId);
      if (stats === undefined) {
        throw AnalyticsErrors.create('PRODUCT_STATS_NOT_FOUND', `no event about product ${productId} was counted`);
      }
      return stats;
    },
  );

  app.get(
    '/stats/timeseries',
    { schema: { querystring: TimeSeriesQuery, response: { 200: TimeSeries } } },
    async (request) => {
      const { minutes = DEFAULT_MINUTES } = request.query;
      const buckets = await store.minuteBuckets(firstMinuteOfLast(minutes, now()), minutes);
      return {
        minutes,
        buckets: buckets.map((bucket) => ({
          minute: new Date(bucket.minute * MINUTE_MS).toISOString(),
          ...countsOf(bucket),
        })),
      };
    },
  );
}

function countsOf(counts: Counts): Counts {
  return { orders: counts.orders, quantity: counts.quantity, confirmed: counts.confirmed, rejected: counts.rejected };
}
