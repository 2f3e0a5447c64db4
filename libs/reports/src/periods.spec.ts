import { periodEnd, periodsBetween, periodStart } from './periods';

describe('report periods', () => {
  it('lists every period touching the range, empty ones included', () => {
    expect(periodsBetween('2026-11-01', '2026-11-03', 'day')).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    // 2026-11-01 is a Sunday: its week starts Monday 2026-10-26.
    expect(periodsBetween('2026-11-01', '2026-11-14', 'week')).toEqual(['2026-10-26', '2026-11-02', '2026-11-09']);
    expect(periodsBetween('2026-01-31', '2026-03-01', 'month')).toEqual(['2026-01-01', '2026-02-01', '2026-03-01']);
  });

  it('finds period bounds across month and year ends', () => {
    expect(periodStart('2027-01-01', 'week')).toBe('2026-12-28');
    expect(periodEnd('2026-12-28', 'week')).toBe('2027-01-03');
    expect(periodEnd('2028-02-01', 'month')).toBe('2028-02-29');
  });
});
