import type { ReactNode } from 'react';
import { ReportChart, type Series } from './ReportChart';

/** A card with a chart, the same figures as a table beneath it, and the CSV of the report. */
export function ReportSection(props: {
  id: string;
  title: string;
  type: 'bar' | 'line';
  labels: string[];
  series: Series[];
  csvUrl: string;
  /** The first column's heading (what a label is). */
  rowHeader?: string;
  /** Extra content under the table (e.g. a comparison). */
  children?: ReactNode;
}) {
  return (
    <section aria-labelledby={`${props.id}-title`} className="card report-section" data-testid={`${props.id}-section`}>
      <div className="section-head">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        <a className="button" href={props.csvUrl} download aria-label={`Download CSV: ${props.title}`}>
          Download CSV
        </a>
      </div>
      <ReportChart type={props.type} labels={props.labels} series={props.series} title={props.title} />
      {/* Scrolls on its own past a dozen rows, so a long range keeps the charts in reach. */}
      <div className="report-table" tabIndex={0} role="region" aria-label={`${props.title}: table`}>
        <SeriesTable
          testId={`${props.id}-table`}
          rowHeader={props.rowHeader ?? 'Period'}
          labels={props.labels}
          series={props.series}
        />
      </div>
      {props.children}
    </section>
  );
}

/** The figures under a chart: one row per label, one column per series ('—' where none). */
export function SeriesTable(props: { testId: string; rowHeader: string; labels: string[]; series: Series[] }) {
  return (
    <table className="data-table" data-testid={props.testId}>
      <thead>
        <tr>
          <th scope="col">{props.rowHeader}</th>
          {props.series.map((s) => (
            <th scope="col" key={s.label}>
              {s.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.labels.map((label, i) => (
          <tr key={`${i}-${label}`}>
            <th scope="row">{label}</th>
            {props.series.map((s) => (
              <td key={s.label}>{s.values[i] ?? '—'}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
