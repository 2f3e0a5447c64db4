import { STATS_BUCKET_SECONDS } from '@app/privacy';

export interface Durations {
  count: number;
  /** Exact: from the stored sum of seconds. */
  meanSeconds: number | null;
  /**
   * From the stored histogram, so to its resolution: the upper bound of the bucket the median
   * (p90) falls in (5 min, 15 min, 1 h, 4 h, 8 h, 1 d, 3 d, 7 d, 30 d); null beyond 30 days or
   * without data.
   */
  medianSeconds: number | null;
  p90Seconds: number | null;
}

/** The upper bound of the bucket holding the p-quantile (nearest rank) of a histogram. */
export function histogramQuantile(buckets: number[], p: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i] ?? 0;
    if (seen >= rank) return STATS_BUCKET_SECONDS[i] ?? null;
  }
  return null;
}

export function durations(count: number, seconds: number, buckets: number[]): Durations {
  return {
    count,
    meanSeconds: count ? Math.round(seconds / count) : null,
    medianSeconds: histogramQuantile(buckets, 0.5),
    p90Seconds: histogramQuantile(buckets, 0.9),
  };
}

export function addInto(target: number[], source: number[]): void {
  for (let i = 0; i < source.length; i++) target[i] = (target[i] ?? 0) + (source[i] ?? 0);
}
