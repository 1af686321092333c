// One group's lag over the last 10 minutes, drawn by uPlot. The chart is created once and given new data on every
// update; it follows its box's width and the light/dark colours of the page (read from CSS custom properties).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { LAG_HISTORY_MS, type LagSample } from '../../src/console-state.ts';

const HEIGHT = 120;

interface LagChartProps {
  readonly group: string;
  readonly samples: readonly LagSample[];
  /** The state's time (ms): the chart's right edge. */
  readonly at: number;
}

export function LagChart({ group, samples, at }: LagChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef({ samples, at });
  latest.current = { samples, at };

  useEffect(() => {
    const element = box.current!;
    const create = () => {
      chart.current?.destroy();
      chart.current = new uPlot(chartOptions(element), chartData(latest.current.samples, latest.current.at), element);
    };
    create();
    const resize = new ResizeObserver(() => chart.current?.setSize({ width: widthOf(element), height: HEIGHT }));
    resize.observe(element);
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', create);
    return () => {
      resize.disconnect();
      scheme.removeEventListener('change', create);
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setData(chartData(samples, at), false);
    chart.current?.setScale('x', { min: (at - LAG_HISTORY_MS) / 1000, max: at / 1000 });
  }, [samples, at]);

  const now = samples.at(-1)?.lag ?? 0;
  const highest = samples.reduce((max, sample) => Math.max(max, sample.lag), 0);
  return (
    <figure class="chart">
      <div ref={box} role="img" aria-label={`${group}: lag over the last 10 minutes, now ${now}, highest ${highest}`} />
      <figcaption class="muted">lag, last 10 minutes (highest {highest.toLocaleString('en')})</figcaption>
    </figure>
  );
}

function chartData(samples: readonly LagSample[], at: number): uPlot.AlignedData {
  const cutoff = at - LAG_HISTORY_MS;
  const kept = samples.filter((sample) => sample.at >= cutoff);
  return [kept.map((sample) => sample.at / 1000), kept.map((sample) => sample.lag)];
}

function widthOf(element: HTMLElement): number {
  return Math.max(160, Math.floor(element.clientWidth));
}

function chartOptions(element: HTMLElement): uPlot.Options {
  const style = getComputedStyle(element);
  const color = (name: string) => style.getPropertyValue(name).trim();
  const axis: uPlot.Axis = {
    stroke: color('--muted'),
    grid: { stroke: color('--grid'), width: 1 },
    ticks: { stroke: color('--grid'), width: 1 },
    font: '11px system-ui, sans-serif',
  };
  return {
    width: widthOf(element),
    height: HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.2))] } },
    axes: [
      { ...axis, space: 60 },
      { ...axis, size: 44 },
    ],
    series: [
      {},
      { label: 'lag', stroke: color('--chart'), fill: color('--chart-fill'), width: 2, points: { show: false } },
    ],
  };
}
