// One status line rewritten in place on a terminal's stderr while a run goes on; nothing at all when stderr is a
// file or a pipe, so logs and CI output hold only the final report.
import type { OrderTraffic } from './order-traffic.ts';

const REFRESH_MS = 500;

export interface ProgressLine {
  /** Replaces the line's text with a stage of its own (e.g. the wait for the consumers). */
  say(text: string): void;
  stop(): void;
}

export function startProgressLine(traffic: OrderTraffic, stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!stream.isTTY) return { say: () => undefined, stop: () => undefined };
  const started = performance.now();
  let override: string | undefined;
  const draw = () => {
    const text = override ?? describe(traffic, (performance.now() - started) / 1000);
    const width = stream.columns ?? 120;
    stream.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
  };
  const timer = setInterval(draw, REFRESH_MS);
  timer.unref();
  return {
    say(text) {
      override = text;
      draw();
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\x1b[2K');
    },
  };
}

function describe(traffic: OrderTraffic, seconds: number): string {
  const { tally } = traffic;
  const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));
  return (
    `${seconds.toFixed(1)} s  sent ${tally.sent}  accepted ${tally.accepted}  rejected ${traffic.rejectedCount}  ` +
    `errors ${traffic.errorCount}  p50 ${ms(tally.latency.percentile(0.5))} ms  p99 ${ms(tally.latency.percentile(0.99))} ms`
  );
}
