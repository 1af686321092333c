// Figures measured per slice, side by side with a reference measured in the same slice: latency percentiles, and the
// table row that gives both medians and the spread of their ratio over slices.
import type { Cell } from '../results.ts';
import { spread } from '../results.ts';

/** The value below which `fraction` of the values lie (nearest rank); NaN when there are none. */
export function percentile(values: ArrayLike<number>, fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/**
 * The two sides in the order they take their turns in slice `slice`: alternating who goes first cancels a trend
 * across the run (heating, other work on the machine, a growing log) that would always favour the same side.
 */
export function turns<Side>(slice: number, first: Side, second: Side): [Side, Side] {
  return slice % 2 === 0 ? [first, second] : [second, first];
}

export interface Goal {
  /** How the goal reads in the table, e.g. `≥ 0.5`. */
  readonly text: string;
  readonly met: (ratio: number) => boolean;
}

export const atLeast = (ratio: number): Goal => ({ text: `≥ ${ratio}`, met: (value) => value >= ratio });
export const atMost = (ratio: number): Goal => ({ text: `≤ ${ratio}`, met: (value) => value <= ratio });

/**
 * One table row: the median over slices of `pick` for ours and for the reference, and min/median/max over slices of
 * ours ÷ reference within each slice, so a slow moment of the machine weighs on both sides of one ratio alike.
 * `ours[i]` and `reference[i]` are the same slice.
 */
export function comparisonRow<Slice>(
  metric: string,
  slices: { readonly ours: readonly Slice[]; readonly reference: readonly Slice[] },
  pick: (slice: Slice) => number,
  digits: number,
  goal?: Goal,
): Cell[] {
  const ratios = spread(slices.ours.map((slice, i) => pick(slice) / pick(slices.reference[i]!)));
  return [
    metric,
    spread(slices.ours.map(pick)).median.toFixed(digits),
    spread(slices.reference.map(pick)).median.toFixed(digits),
    ratios.min.toFixed(2),
    ratios.median.toFixed(2),
    ratios.max.toFixed(2),
    goal === undefined ? '' : `${goal.text}: ${goal.met(ratios.median) ? 'met' : 'not met'}`,
  ];
}
