import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useDirectory } from '../shell/directory';
import { ReportChart, type Series } from './ReportChart';
import { reportsApi, type Durations, type Figures, type ReportParams, type VolumeReport } from './reports.api';

const day = (d: Date) => d.toISOString().slice(0, 10);

function hours(seconds: number | null): number | null {
  return seconds === null ? null : Math.round((seconds / 3600) * 100) / 100;
}

function duration(d: Durations, key: 'medianSeconds' | 'p90Seconds' | 'meanSeconds'): string {
  const s = d[key];
  if (s === null) return '—';
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round((s / 3600) * 10) / 10} h`;
  return `${Math.round((s / 86_400) * 10) / 10} d`;
}

function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? '±0' : 'new';
  const pct = Math.round(((now - before) / before) * 100);
  return `${pct > 0 ? '+' : ''}${pct}%`;
}

/** The Reports page (supervisors and admins): volume and times per period, with charts, tables and CSV. */
export function Reports() {
  const dir = useDirectory();
  const today = new Date();
  const [params, setParams] = useState<ReportParams>({
    from: day(new Date(today.getTime() - 29 * 86_400_000)),
    to: day(today),
    by: 'day',
    split: 'none',
  });
  const report = useQuery({ queryKey: ['report', params], queryFn: () => reportsApi.volume(params) });
  const set = (k: keyof ReportParams) => (e: { target: { value: string } }) =>
    setParams({ ...params, [k]: e.target.value });
  const keyName = (key: string) =>
    params.split === 'group'
      ? key === 'none'
        ? 'no group'
        : dir.groupName(key)
      : params.split === 'mailbox'
        ? key === 'none'
          ? 'no mailbox'
          : (dir.mailboxes.find((m) => m.id === key)?.name ?? 'a mailbox')
        : key === 'all'
          ? 'all'
          : key === 'form'
            ? 'web form'
            : key;

  return (
    <main className="reports" aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      <form className="report-controls" onSubmit={(e) => e.preventDefault()}>
        <label>
          From <input type="date" value={params.from} max={params.to} onChange={set('from')} />
        </label>
        <label>
          To <input type="date" value={params.to} min={params.from} onChange={set('to')} />
        </label>
        <label>
          Per{' '}
          <select value={params.by} onChange={set('by')}>
            <option value="day">day</option>
            <option value="week">week</option>
            <option value="month">month</option>
          </select>
        </label>
        <label>
          Split by{' '}
          <select value={params.split} onChange={set('split')}>
            <option value="none">nothing</option>
            <option value="channel">channel</option>
            <option value="mailbox">mailbox</option>
            <option value="group">group</option>
          </select>
        </label>
        <a className="button" href={reportsApi.csvUrl(params)} download>
          Download CSV
        </a>
      </form>
      <p className="muted">
        From the statistics tables: counts and durations only, no personal data. Fresh within a minute. Medians and p90
        are shown to the nearest statistics bucket (5 min, 15 min, 1 h, 4 h, 8 h, 1 d, 3 d, 7 d, 30 d).
      </p>
      {report.isError && (
        <p className="error" role="alert">
          {report.error.message}
        </p>
      )}
      {report.data && <ReportBody r={report.data} keyName={keyName} />}
    </main>
  );
}

function ReportBody({ r, keyName }: { r: VolumeReport; keyName: (k: string) => string }) {
  const periods = useMemo(() => [...new Set(r.rows.map((x) => x.period))].sort(), [r]);
  const keys = useMemo(() => [...new Set(r.rows.map((x) => x.key))].sort(), [r]);
  const cell = (period: string, key: string) => r.rows.find((x) => x.period === period && x.key === key);
  const volume: Series[] = useMemo(
    () =>
      keys.flatMap((k) => [
        { label: `created (${keyName(k)})`, values: periods.map((p) => cell(p, k)?.created ?? 0) },
        { label: `solved (${keyName(k)})`, values: periods.map((p) => cell(p, k)?.solved ?? 0) },
      ]),
    [r, periods, keys],
  );
  const times: Series[] = useMemo(
    () =>
      keys.flatMap((k) => [
        {
          label: `first response median, h (${keyName(k)})`,
          values: periods.map((p) => hours(cell(p, k)?.firstResponse.medianSeconds ?? null)),
        },
        {
          label: `resolution median, h (${keyName(k)})`,
          values: periods.map((p) => hours(cell(p, k)?.resolution.medianSeconds ?? null)),
        },
      ]),
    [r, periods, keys],
  );
  return (
    <>
      <Comparison now={r.totals} before={r.previous.totals} from={r.previous.from} to={r.previous.to} />
      <section aria-labelledby="volume-title" className="card report-section">
        <h2 id="volume-title">Created and solved</h2>
        <ReportChart type="bar" labels={periods} series={volume} title="Created and solved" />
        <SeriesTable testId="volume-table" periods={periods} series={volume} />
      </section>
      <section aria-labelledby="times-title" className="card report-section">
        <h2 id="times-title">First response and resolution (median, hours)</h2>
        <ReportChart type="line" labels={periods} series={times} title="First response and resolution" />
        <SeriesTable testId="times-table" periods={periods} series={times} />
      </section>
    </>
  );
}

/** The figures under a chart: one row per period, one column per series ('—' where none). */
function SeriesTable(props: { testId: string; periods: string[]; series: Series[] }) {
  return (
    <table className="data-table" data-testid={props.testId}>
      <thead>
        <tr>
          <th scope="col">Period</th>
          {props.series.map((s) => (
            <th scope="col" key={s.label}>
              {s.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.periods.map((p, i) => (
          <tr key={p}>
            <th scope="row">{p}</th>
            {props.series.map((s) => (
              <td key={s.label}>{s.values[i] ?? '—'}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Comparison(props: { now: Figures; before: Figures; from: string; to: string }) {
  const { now, before } = props;
  return (
    <section aria-labelledby="compare-title" className="card report-section">
      <h2 id="compare-title">
        This period and the one before ({props.from} – {props.to})
      </h2>
      <table className="data-table" data-testid="comparison">
        <thead>
          <tr>
            <th scope="col">Figure</th>
            <th scope="col">This period</th>
            <th scope="col">Previous period</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Created</th>
            <td>{now.created}</td>
            <td>{before.created}</td>
            <td>{change(now.created, before.created)}</td>
          </tr>
          <tr>
            <th scope="row">Solved</th>
            <td>{now.solved}</td>
            <td>{before.solved}</td>
            <td>{change(now.solved, before.solved)}</td>
          </tr>
          <tr>
            <th scope="row">Reopened</th>
            <td>{now.reopened}</td>
            <td>{before.reopened}</td>
            <td>{change(now.reopened, before.reopened)}</td>
          </tr>
          <tr>
            <th scope="row">First response, median / p90</th>
            <td>
              {duration(now.firstResponse, 'medianSeconds')} / {duration(now.firstResponse, 'p90Seconds')}
            </td>
            <td>
              {duration(before.firstResponse, 'medianSeconds')} / {duration(before.firstResponse, 'p90Seconds')}
            </td>
            <td />
          </tr>
          <tr>
            <th scope="row">Resolution, median / p90</th>
            <td>
              {duration(now.resolution, 'medianSeconds')} / {duration(now.resolution, 'p90Seconds')}
            </td>
            <td>
              {duration(before.resolution, 'medianSeconds')} / {duration(before.resolution, 'p90Seconds')}
            </td>
            <td />
          </tr>
        </tbody>
      </table>
    </section>
  );
}
