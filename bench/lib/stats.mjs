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
