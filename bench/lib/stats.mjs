// Summaries of repeated measurements, and number formatting for the tables.

export function median(values) {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile of a non-empty list. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/** `{ median, min, max, q1, q3, samples }` of the samples. */
export function summarize(samples) {
  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    q1: quantile(samples, 0.25),
    q3: quantile(samples, 0.75),
    samples,
  };
}

/**
 * The ratio of two contenders measured in the same rounds, round by round: `a[r] / b[r]` for each round r
 * (rounds run the contenders one after the other, so a slowdown of the machine hits both sides of a
 * round's ratio). `{ median, min, max, q1, q3, samples }` of those ratios.
 */
export function pairedRatio(a, b) {
  const rounds = Math.min(a.length, b.length);
  return summarize(Array.from({ length: rounds }, (_, r) => a[r] / b[r]));
}

/** Half the interquartile range, relative to the median: "±4%" for a tight measurement. */
export function relativeSpread({ median, q1, q3 }) {
  return median === 0 ? 0 : (q3 - q1) / 2 / Math.abs(median);
}

/** 1234567 → "1.23 M", 12345 → "12.3 k", 12.345 → "12.3". */
export function formatNumber(value) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1e4) return String(value);
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)} M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)} k`;
  if (abs >= 100) return `${Math.round(value)}`;
  return value.toPrecision(3);
}

export function formatRatio(value) {
  return value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(2)}×`;
}

export function formatPercent(fraction) {
  return `±${(100 * fraction).toFixed(fraction < 0.1 ? 1 : 0)}%`;
}
