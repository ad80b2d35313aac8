/**
 * Small statistics helpers. Figures are kept unrounded; rounding happens only when a figure is
 * shown (`fmt`, and the report's table cells), so a ratio is never taken of rounded values.
 */

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of raw samples. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Rounds for display. */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A figure for display: 3 significant digits below 100, whole numbers above. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return String(Math.round(value));
  if (abs >= 10) return String(round(value, 1));
  if (abs >= 1) return String(round(value, 2));
  return String(Number(value.toPrecision(3)));
}

/** a / b, unrounded (NaN when b is 0). */
export function ratio(a: number, b: number): number {
  return b === 0 ? NaN : a / b;
}

/** "min–max" of the runs, for display. */
export function spread(values: number[]): string {
  if (values.length === 0) return 'n/a';
  if (values.length === 1) return `${fmt(values[0])} (one run)`;
  return `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`;
}

/**
 * Variant a against variant b over their runs. `ratio` is median(a) / median(b), unrounded.
 * A difference is called only when the runs' ranges (min–max) do not overlap; otherwise the
 * verdict is "no difference measurable", whatever the ratio of the medians says.
 */
export interface Comparison {
  ratio: number;
  differs: boolean;
  /** "1.14× (a 300–320 vs b 270–310 over 3 runs each: ranges overlap, no difference measurable)" */
  text: string;
}

export function compare(
  a: number[],
  b: number[],
  names: [string, string] = ['a', 'b'],
): Comparison {
  const r = ratio(median(a), median(b));
  const differs = Math.min(...a) > Math.max(...b) || Math.max(...a) < Math.min(...b);
  const verdict = differs
    ? `ranges do not overlap: ${names[0]} is ${r > 1 ? 'higher' : 'lower'}`
    : 'ranges overlap: no difference measurable';
  return {
    ratio: r,
    differs,
    text: `${fmt(r)}× (${names[0]} ${spread(a)} vs ${names[1]} ${spread(b)} over ${a.length}/${b.length} runs; ${verdict})`,
  };
}

/**
 * A target's verdict from per-round values (e.g. round i of one variant over round i of the other,
 * loaded back to back): met when every round meets it, not met when none does, else undecided.
 */
export function verdict(values: number[], meets: (v: number) => boolean, unit = 'round'): string {
  const met = values.filter(meets).length;
  if (met === values.length) return `met in every ${unit} (${met}/${values.length})`;
  if (met === 0) return `not met in any ${unit} (0/${values.length})`;
  return `not decided: met in ${met} of ${values.length} ${unit}s`;
}
