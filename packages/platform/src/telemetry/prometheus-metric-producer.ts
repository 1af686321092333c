// Bridges prom-client to the OpenTelemetry metrics SDK: a MetricProducer (the SDK's hook for metrics from another
// library, https://opentelemetry.io/docs/specs/otel/metrics/sdk/#metricproducer) that reads the services'
// registries at every export and hands their series over as OTLP data points.
//
// Why a bridge rather than OpenTelemetry instruments beside the prom-client ones: every metric is then declared and
// recorded once, in prom-client, and /metrics and OTLP always carry the same names, labels and values — including the
// services' own metrics and the Node.js runtime ones — where recording the key ones twice would mean a second
// instrument at every call site and a second list to keep in step. Names stay the Prometheus names (with their
// `_total` and `_seconds` suffixes) so dashboards and alerts work on either path; the unit is taken from the suffix.
// The mapping follows the OpenTelemetry Prometheus compatibility specification
// (https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/): a counter is a monotonic
// cumulative Sum, a gauge a Gauge, a histogram a cumulative explicit-bucket Histogram. prom-client's summaries have
// no counterpart in the SDK's data model and are left out; the platform defines none.
import type { Attributes, HrTime } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { Registry } from 'prom-client';

interface PromValue {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number | undefined>>;
  readonly metricName?: string;
}

interface PromMetric {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly values: readonly PromValue[];
}

/** Every metric of a registry is a prom-client Counter, Gauge, Histogram or Summary, all of which have get(). */
interface Collectable {
  get(): Promise<PromMetric>;
}

const SCOPE = { name: 'orderflow/prom-client' };
const VALUE_TYPE_DOUBLE = 1;

export function createPrometheusMetricProducer(registries: () => Iterable<Registry>): MetricProducer {
  // Counters and histograms count from when their registry was created, which is after telemetry started.
  const startTime = hrTime();
  return {
    async collect(): Promise<CollectionResult> {
      const endTime = hrTime();
      const metrics: MetricData[] = [];
      const errors: unknown[] = [];
      for (const registry of registries()) {
        for (const metric of registry.getMetricsAsArray()) {
          try {
            // get() (not the registry's JSON) leaves out the registry's default labels: the `service` label is the
            // resource's service.name on this path.
            const converted = convert(await (metric as unknown as Collectable).get(), startTime, endTime);
            if (converted !== undefined) metrics.push(converted);
          } catch (error) {
            errors.push(error);
          }
        }
      }
      return { resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: SCOPE, metrics }] }, errors };
    },
  };
}

function convert(metric: PromMetric, startTime: HrTime, endTime: HrTime): MetricData | undefined {
  if (metric.values.length === 0) return undefined;
  const descriptor = {
    name: metric.name,
    description: metric.help,
    unit: unitOf(metric.name),
    valueType: VALUE_TYPE_DOUBLE,
  };
  const point = <T>(labels: PromValue['labels'], value: T): DataPoint<T> => ({
    startTime,
    endTime,
    attributes: attributesOf(labels),
    value,
  });
  switch (metric.type) {
    case 'counter':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: metric.values.map(({ labels, value }) => point(labels, value)),
      };
    case 'gauge':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: metric.values.map(({ labels, value }) => point(labels, value)),
      };
    case 'histogram':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: histogramPoints(metric).map(({ labels, histogram }) => point(labels, histogram)),
      };
    default:
      return undefined;
  }
}

/**
 * prom-client gives a histogram as `_bucket` series with cumulative counts per `le` bound (the last `+Inf`), plus
 * `_sum` and `_count`, each per label set; OTLP wants per-bucket counts between the finite bounds.
 */
function histogramPoints(metric: PromMetric): { labels: PromValue['labels']; histogram: Histogram }[] {
  const series = new Map<
    string,
    { labels: PromValue['labels']; cumulative: [number, number][]; sum: number; count: number }
  >();
  for (const { labels, value, metricName } of metric.values) {
    const { le, ...rest } = labels;
    const key = JSON.stringify(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
    let entry = series.get(key);
    if (entry === undefined) {
      entry = { labels: rest, cumulative: [], sum: 0, count: 0 };
      series.set(key, entry);
    }
    if (metricName === `${metric.name}_bucket`) entry.cumulative.push([Number(le), value]);
    else if (metricName === `${metric.name}_sum`) entry.sum = value;
    else if (metricName === `${metric.name}_count`) entry.count = value;
  }
  return [...series.values()].map(({ labels, cumulative, sum, count }) => {
    cumulative.sort(([a], [b]) => a - b);
    const boundaries = cumulative.filter(([bound]) => Number.isFinite(bound)).map(([bound]) => bound);
    const counts = boundaries.map((_, i) => cumulative[i]![1] - (i === 0 ? 0 : cumulative[i - 1]![1]));
    counts.push(count - (boundaries.length === 0 ? 0 : cumulative[boundaries.length - 1]![1]));
    return { labels, histogram: { buckets: { boundaries, counts }, sum, count } };
  });
}

/** Now as OpenTelemetry's [seconds, nanoseconds]. */
function hrTime(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
}

function attributesOf(labels: PromValue['labels']): Attributes {
  const attributes: Attributes = {};
  for (const [name, value] of Object.entries(labels)) if (value !== undefined) attributes[name] = String(value);
  return attributes;
}

/** UCUM units of the Prometheus base-unit suffixes in use. */
function unitOf(name: string): string {
  const base = name.replace(/_total$/, '');
  if (base.endsWith('_seconds')) return 's';
  if (base.endsWith('_bytes')) return 'By';
  return '';
}
