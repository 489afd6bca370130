/**
 * The fixed, log-spaced histogram the metrics rollups keep for latency and time to first token, so
 * that p50/p95/p99 of any group over any time range come from summing bucket counts (histograms of the
 * same buckets merge by addition, which is what lets them live in rollup columns).
 *
 * Buckets, in milliseconds: bucket 0 is [0, 1); bucket i (1…58) is [γ^(i-1), γ^i) with γ = 1.25; bucket
 * 59 is [γ^58, ∞), γ^58 ≈ 417,634 ms ≈ 7 minutes.
 *
 * Error: a percentile is the nearest-rank value (the ⌈q·n⌉-th smallest); it is reported as the value
 * in the middle of its bucket (2·lo·hi / (lo + hi)), which is within `RELATIVE_ERROR` = (γ−1)/(γ+1) =
 * 1/9 ≈ 11.1 % of the true nearest-rank value for values from 1 ms to 7 minutes; below 1 ms it is
 * reported as 0.5 ms (at most 0.5 ms off), above 7 minutes as γ^58 ms (a lower bound).
 *
 * @example
 * const counts = new Array(HISTOGRAM_BUCKETS).fill(0);
 * for (const ms of [120, 340, 95]) counts[histogramBucket(ms)] += 1;
 * percentile(counts, 0.95); // ≈ 340, within 11.1 %
 */
export const HISTOGRAM_BUCKETS = 60;
export const HISTOGRAM_GROWTH = 1.25;
export const RELATIVE_ERROR = (HISTOGRAM_GROWTH - 1) / (HISTOGRAM_GROWTH + 1);

const LOG_GROWTH = Math.log(HISTOGRAM_GROWTH);
const LAST = HISTOGRAM_BUCKETS - 1;

/** The bucket a duration in milliseconds falls in. Negative or NaN durations count as 0. */
export function histogramBucket(ms: number): number {
  if (!(ms >= 1)) return 0;
  const index = 1 + Math.floor(Math.log(ms) / LOG_GROWTH + 1e-9);
  return index > LAST ? LAST : index;
}

/** The lower bound of a bucket, in milliseconds. */
export function bucketLowerBound(index: number): number {
  return index <= 0 ? 0 : HISTOGRAM_GROWTH ** (index - 1);
}

/** The value a bucket reports for a percentile that falls in it (see the error bound above). */
export function bucketValue(index: number): number {
  if (index <= 0) return 0.5;
  if (index >= LAST) return bucketLowerBound(LAST);
  const low = bucketLowerBound(index);
  const high = low * HISTOGRAM_GROWTH;
  return (2 * low * high) / (low + high);
}

/**
 * The nearest-rank `q` quantile (0 < q ≤ 1) of the values counted in `counts`, as its bucket's value,
 * or null when nothing was counted.
 */
export function percentile(counts: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let index = 0; index < counts.length; index++) total += counts[index] as number;
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(q * total - 1e-9));
  let seen = 0;
  for (let index = 0; index < counts.length; index++) {
    seen += counts[index] as number;
    if (seen >= rank) return bucketValue(index);
  }
  return bucketValue(counts.length - 1);
}
