/**
 * Upper bounds (seconds, inclusive) of the histogram buckets used for first-response and
 * resolution times: 5 min, 15 min, 1 h, 4 h, 8 h, 1 d, 3 d, 7 d, 30 d, then everything longer.
 * NEVER CHANGE existing bounds: stored histograms are positional. Append only.
 */
export const STATS_BUCKET_SECONDS = [300, 900, 3600, 14_400, 28_800, 86_400, 259_200, 604_800, 2_592_000];

export const STATS_BUCKET_COUNT = STATS_BUCKET_SECONDS.length + 1;

export function bucketIndex(seconds: number): number {
  const i = STATS_BUCKET_SECONDS.findIndex((bound) => seconds <= bound);
  return i === -1 ? STATS_BUCKET_SECONDS.length : i;
}

export function emptyHistogram(): number[] {
  return Array<number>(STATS_BUCKET_COUNT).fill(0);
}

/** Adds two histograms of possibly different lengths (a stored one may predate appended buckets). */
export function addHistograms(a: number[], b: number[]): number[] {
  const length = Math.max(a.length, b.length);
  return Array.from({ length }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));
}
