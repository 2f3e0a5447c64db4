export type Period = 'day' | 'week' | 'month';

const DAY_MS = 86_400_000;
const parse = (day: string) => Date.parse(`${day}T00:00:00Z`);
const format = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function daysBetween(from: string, to: string): number {
  return Math.round((parse(to) - parse(from)) / DAY_MS);
}

export function addDays(day: string, n: number): string {
  return format(parse(day) + n * DAY_MS);
}

/** The first day of the period holding `day` (weeks start on Monday, as PostgreSQL's date_trunc). */
export function periodStart(day: string, by: Period): string {
  const d = new Date(parse(day));
  if (by === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  if (by === 'month') d.setUTCDate(1);
  return format(d.getTime());
}

/** The last day of the period starting at `start`. */
export function periodEnd(start: string, by: Period): string {
  if (by === 'day') return start;
  if (by === 'week') return addDays(start, 6);
  const d = new Date(parse(start));
  d.setUTCMonth(d.getUTCMonth() + 1, 0);
  return format(d.getTime());
}

/** Every period touching from..to, in order, so a period without data still gets its row. */
export function periodsBetween(from: string, to: string, by: Period): string[] {
  const out: string[] = [];
  for (let p = periodStart(from, by); p <= to; p = addDays(periodEnd(p, by), 1)) out.push(p);
  return out;
}
