import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Activity } from '../activity/Activity';
import { navigate } from '../shared/router';
import { useDirectory } from '../shell/directory';
import type { Series } from './ReportChart';
import { ReportSection } from './ReportSection';
import {
  reportsApi,
  type AgentReport,
  type BacklogReport,
  type Durations,
  type OrganisationReport,
  type ReportParams,
  type VolumeReport,
} from './reports.api';

const day = (d: Date) => d.toISOString().slice(0, 10);

function hours(seconds: number | null): number | null {
  return seconds === null ? null : Math.round((seconds / 3600) * 100) / 100;
}

function percent(rate: number | null): number | null {
  return rate === null ? null : Math.round(rate * 1000) / 10;
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

const SECTIONS = [
  ['overview', 'Figures and charts', '/reports'],
  ['activity', 'Activity', '/reports/activity'],
] as const;

/** Reports for supervisors and admins: figures and charts, and the activity view (who did what). */
export function Reports({ section }: { section: 'overview' | 'activity' }) {
  return (
    <main className="reports" aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      <nav className="report-tabs" aria-label="Reports">
        {SECTIONS.map(([key, label, path]) => (
          <a
            key={key}
            href={path}
            aria-current={section === key ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate(path);
            }}
          >
            {label}
          </a>
        ))}
      </nav>
      {section === 'activity' ? <Activity /> : <Overview />}
    </main>
  );
}

function Overview() {
  const dir = useDirectory();
  const today = new Date();
  const [params, setParams] = useState<ReportParams>({
    from: day(new Date(today.getTime() - 29 * 86_400_000)),
    to: day(today),
    by: 'day',
    split: 'none',
  });
  const volume = useQuery({ queryKey: ['report', 'volume', params], queryFn: () => reportsApi.volume(params) });
  const backlog = useQuery({ queryKey: ['report', 'backlog', params], queryFn: () => reportsApi.backlog(params) });
  const agents = useQuery({ queryKey: ['report', 'agents', params], queryFn: () => reportsApi.agents(params) });
  const orgs = useQuery({
    queryKey: ['report', 'organisations', params],
    queryFn: () => reportsApi.organisations(params),
  });
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
  const error = [volume, backlog, agents, orgs].find((q) => q.isError)?.error;

  return (
    <>
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
      </form>
      <p className="muted">
        From the statistics tables: counts and durations only, no personal data. Fresh within a minute. Medians and p90
        are shown to the nearest statistics bucket (5 min, 15 min, 1 h, 4 h, 8 h, 1 d, 3 d, 7 d, 30 d). SLA breaches are
        counted when the first response or resolution happens.
      </p>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {volume.data && backlog.data && agents.data && <Comparison v={volume.data} b={backlog.data} a={agents.data} />}
      {volume.data && <VolumeSections r={volume.data} params={params} keyName={keyName} />}
      {backlog.data && <BacklogSection r={backlog.data} params={params} />}
      {agents.data && <AgentSections r={agents.data} params={params} />}
      {orgs.data && <OrganisationSection r={orgs.data} params={params} />}
    </>
  );
}

function VolumeSections({
  r,
  params,
  keyName,
}: {
  r: VolumeReport;
  params: ReportParams;
  keyName: (k: string) => string;
}) {
  const periods = useMemo(() => [...new Set(r.rows.map((x) => x.period))], [r]);
  const keys = useMemo(() => [...new Set(r.rows.map((x) => x.key))].sort(), [r]);
  const cell = (period: string, key: string) => r.rows.find((x) => x.period === period && x.key === key);
  const csvUrl = reportsApi.csvUrl('volume', params);
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
      keys.flatMap((k) =>
        (
          [
            ['first response', 'firstResponse'],
            ['resolution', 'resolution'],
          ] as const
        ).flatMap(([name, field]) => [
          {
            label: `${name} median, h (${keyName(k)})`,
            values: periods.map((p) => hours(cell(p, k)?.[field].medianSeconds ?? null)),
          },
          {
            label: `${name} p90, h (${keyName(k)})`,
            values: periods.map((p) => hours(cell(p, k)?.[field].p90Seconds ?? null)),
          },
        ]),
      ),
    [r, periods, keys],
  );
  // Rates over every key of a period: breaches over SLA-bound events, reopened over solved.
  const rates: Series[] = useMemo(() => {
    const of = (p: string) => r.rows.filter((x) => x.period === p);
    const ratio = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 10 : null);
    return [
      {
        label: 'SLA breach rate, %',
        values: periods.map((p) => {
          const rows = of(p);
          const sum = (f: (x: (typeof rows)[number]) => number) => rows.reduce((a, x) => a + f(x), 0);
          return ratio(
            sum((x) => x.sla.firstResponseBreached + x.sla.resolutionBreached),
            sum((x) => x.sla.firstResponseDue + x.sla.resolutionDue),
          );
        }),
      },
      {
        label: 'reopen rate, %',
        values: periods.map((p) => {
          const rows = of(p);
          return ratio(
            rows.reduce((a, x) => a + x.reopened, 0),
            rows.reduce((a, x) => a + x.solved, 0),
          );
        }),
      },
    ];
  }, [r, periods]);
  return (
    <>
      <ReportSection
        id="volume"
        title="Created and solved"
        type="bar"
        labels={periods}
        series={volume}
        csvUrl={csvUrl}
      />
      <ReportSection
        id="times"
        title="First response and resolution (median and p90, hours)"
        type="line"
        labels={periods}
        series={times}
        csvUrl={csvUrl}
      />
      <ReportSection
        id="rates"
        title="SLA breach rate and reopen rate"
        type="line"
        labels={periods}
        series={rates}
        csvUrl={csvUrl}
      />
    </>
  );
}

function BacklogSection({ r, params }: { r: BacklogReport; params: ReportParams }) {
  const labels = useMemo(() => r.rows.map((x) => x.period), [r]);
  const series = useMemo(() => [{ label: 'open at the end of the period', values: r.rows.map((x) => x.open) }], [r]);
  return (
    <ReportSection
      id="backlog"
      title="Backlog (open tickets)"
      type="line"
      labels={labels}
      series={series}
      csvUrl={reportsApi.csvUrl('backlog', params)}
    />
  );
}

function AgentSections({ r, params }: { r: AgentReport; params: ReportParams }) {
  const name = (id: string) => r.agents.find((a) => a.id === id)?.name ?? 'someone';
  const periods = useMemo(() => [...new Set(r.rows.map((x) => x.period))], [r]);
  const csvUrl = reportsApi.csvUrl('agents', params);
  const replies: Series[] = useMemo(
    () =>
      r.agents.map((a) => ({
        label: `replies (${a.name})`,
        values: periods.map((p) => r.rows.find((x) => x.period === p && x.agentId === a.id)?.replies ?? 0),
      })),
    [r, periods],
  );
  const names = useMemo(() => r.totals.map((t) => name(t.agentId)), [r]);
  const perAgent: Series[] = useMemo(
    () => [
      { label: 'replies', values: r.totals.map((t) => t.replies) },
      {
        label: 'replies, previous period',
        values: r.totals.map((t) => r.previous.totals.find((p) => p.agentId === t.agentId)?.replies ?? 0),
      },
      { label: 'solved', values: r.totals.map((t) => t.solved) },
      { label: 'first response median, h', values: r.totals.map((t) => hours(t.firstResponse.medianSeconds)) },
      { label: 'first response p90, h', values: r.totals.map((t) => hours(t.firstResponse.p90Seconds)) },
      { label: 'resolution median, h', values: r.totals.map((t) => hours(t.resolution.medianSeconds)) },
      { label: 'resolution p90, h', values: r.totals.map((t) => hours(t.resolution.p90Seconds)) },
    ],
    [r],
  );
  return (
    <>
      <ReportSection
        id="agent-replies"
        title="Replies per agent"
        type="bar"
        labels={periods}
        series={replies}
        csvUrl={csvUrl}
      />
      <ReportSection
        id="agents"
        title="Per agent: replies, solved, first response and resolution"
        type="bar"
        labels={names}
        series={perAgent}
        csvUrl={csvUrl}
        rowHeader="Agent"
      />
    </>
  );
}

function OrganisationSection({ r, params }: { r: OrganisationReport; params: ReportParams }) {
  const top = useMemo(() => r.rows.slice(0, 20), [r]);
  const labels = useMemo(() => top.map((x) => x.name), [top]);
  const series: Series[] = useMemo(
    () => [
      { label: 'created', values: top.map((x) => x.created) },
      { label: 'solved', values: top.map((x) => x.solved) },
      { label: 'created, previous period', values: top.map((x) => x.previousCreated) },
    ],
    [top],
  );
  return (
    <ReportSection
      id="organisations"
      title={`Tickets per customer organisation${r.rows.length > top.length ? ` (top ${top.length}; all in the CSV)` : ''}`}
      type="bar"
      labels={labels}
      series={series}
      csvUrl={reportsApi.csvUrl('organisations', params)}
      rowHeader="Organisation"
    />
  );
}

function Comparison({ v, b, a }: { v: VolumeReport; b: BacklogReport; a: AgentReport }) {
  const now = v.totals;
  const before = v.previous.totals;
  const replies = (list: AgentReport['totals']) => list.reduce((sum, t) => sum + t.replies, 0);
  const pct = (rate: number | null) => (rate === null ? '—' : `${percent(rate)}%`);
  const counted: Array<[string, number, number]> = [
    ['Created', now.created, before.created],
    ['Solved', now.solved, before.solved],
    ['Reopened', now.reopened, before.reopened],
    ['Replies', replies(a.totals), replies(a.previous.totals)],
    ['Open at the end', b.rows[b.rows.length - 1]?.open ?? b.previous.open, b.previous.open],
  ];
  return (
    <section aria-labelledby="compare-title" className="card report-section">
      <h2 id="compare-title">
        This period and the one before ({v.previous.from} – {v.previous.to})
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
          {counted.map(([label, x, y]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td>{x}</td>
              <td>{y}</td>
              <td>{change(x, y)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Reopen rate</th>
            <td>{pct(now.reopenRate)}</td>
            <td>{pct(before.reopenRate)}</td>
            <td />
          </tr>
          <tr>
            <th scope="row">SLA breach rate</th>
            <td>{pct(now.sla.breachRate)}</td>
            <td>{pct(before.sla.breachRate)}</td>
            <td />
          </tr>
          {(
            [
              ['First response, median / p90', 'firstResponse'],
              ['Resolution, median / p90', 'resolution'],
            ] as const
          ).map(([label, field]) => (
            <tr key={field}>
              <th scope="row">{label}</th>
              <td>
                {duration(now[field], 'medianSeconds')} / {duration(now[field], 'p90Seconds')}
              </td>
              <td>
                {duration(before[field], 'medianSeconds')} / {duration(before[field], 'p90Seconds')}
              </td>
              <td />
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
