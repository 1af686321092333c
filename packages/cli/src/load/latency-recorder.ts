// Latencies kept whole and sorted on demand: a run of this tool holds at most some hundreds of thousands of samples,
// for which an exact percentile costs less than keeping a histogram right.

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export class LatencyRecorder {
  #samples: number[] = [];
  #sorted = true;

  record(milliseconds: number): void {
    this.#samples.push(milliseconds);
    this.#sorted = false;
  }

  get count(): number {
    return this.#samples.length;
  }

  /** The smallest sample that at least `fraction` of the samples do not exceed (nearest rank); NaN when empty. */
  percentile(fraction: number): number {
    const samples = this.#sortedSamples();
    if (samples.length === 0) return Number.NaN;
    return samples[Math.min(samples.length - 1, Math.max(0, Math.ceil(fraction * samples.length) - 1))]!;
  }

  summary(): LatencySummary {
    const samples = this.#sortedSamples();
    const total = samples.reduce((sum, value) => sum + value, 0);
    return {
      count: samples.length,
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      p999: this.percentile(0.999),
      max: samples.length === 0 ? Number.NaN : samples[samples.length - 1]!,
      mean: samples.length === 0 ? Number.NaN : total / samples.length,
    };
  }

  #sortedSamples(): number[] {
    if (!this.#sorted) {
      this.#samples.sort((a, b) => a - b);
      this.#sorted = true;
    }
    return this.#samples;
  }
}
