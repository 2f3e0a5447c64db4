import { histogramQuantile } from './histogram';

describe('histogramQuantile', () => {
  it('returns the bound of the bucket that holds the nearest-rank quantile', () => {
    // 3 answers within 5 min, 1 within 1 h, 1 within 1 day.
    const h = [3, 0, 1, 0, 0, 1, 0, 0, 0, 0];
    expect(histogramQuantile(h, 0.5)).toBe(300);
    expect(histogramQuantile(h, 0.8)).toBe(3600);
    expect(histogramQuantile(h, 0.9)).toBe(86_400);
  });

  it('is null without data and beyond the last bound', () => {
    expect(histogramQuantile([], 0.5)).toBeNull();
    expect(histogramQuantile([0, 0, 0, 0, 0, 0, 0, 0, 0, 2], 0.5)).toBeNull();
  });
});
