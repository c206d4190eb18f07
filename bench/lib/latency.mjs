// Latency summaries for long lists of samples. stats.mjs `summarize` spreads its input into
// Math.min and Math.max, which fails with a RangeError on lists of a few hundred thousand values.

/** Mean, percentiles (interpolated between closest ranks) and extremes of durations in ms. */
export function summarizeLatencies(values) {
  if (values.length === 0) {
    return { count: 0, mean: null, min: null, p50: null, p90: null, p99: null, max: null };
  }
  const sorted = Float64Array.from(values).sort();
  const at = (p) => {
    const rank = (p / 100) * (sorted.length - 1);
    const lower = Math.floor(rank);
    const upper = Math.ceil(rank);
    return sorted[lower] + (sorted[upper] - sorted[lower]) * (rank - lower);
  };
  let total = 0;
  for (const value of sorted) {
    total += value;
  }
  return {
    count: sorted.length,
    mean: total / sorted.length,
    min: sorted[0],
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: sorted[sorted.length - 1],
  };
}
