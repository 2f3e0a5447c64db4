import { addHistograms, bucketIndex, emptyHistogram, STATS_BUCKET_COUNT } from './stats-buckets';

describe('stats buckets', () => {
  it.each([
    [0, 0],
    [300, 0],
    [301, 1],
    [3600, 2],
    [86_400, 5],
    [2_592_000, 8],
    [2_592_001, 9],
  ])('%i s falls in bucket %i', (seconds, bucket) => {
    expect(bucketIndex(seconds)).toBe(bucket);
  });

  it('adds histograms of different lengths', () => {
    expect(addHistograms([1, 2], [0, 1, 5])).toEqual([1, 3, 5]);
    expect(emptyHistogram()).toHaveLength(STATS_BUCKET_COUNT);
  });
});
