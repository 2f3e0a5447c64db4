// Reports (issue 11): figures from the personal-data-free statistics.
import { get } from '../shared/http';

export interface Durations {
  count: number;
  meanSeconds: number | null;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface Figures {
  created: number;
  solved: number;
  reopened: number;
  firstResponse: Durations;
  resolution: Durations;
}

export interface VolumeReport {
  query: { from: string; to: string; by: string; split: string };
  rows: Array<Figures & { period: string; key: string }>;
  totals: Figures;
  previous: { from: string; to: string; totals: Figures };
}

export interface ReportParams {
  from: string;
  to: string;
  by: string;
  split: string;
}

export const reportQuery = (p: ReportParams) => new URLSearchParams({ ...p }).toString();

export const reportsApi = {
  volume: (p: ReportParams) => get<VolumeReport>(`/api/reports/volume?${reportQuery(p)}`),
  csvUrl: (p: ReportParams) => `/api/reports/volume.csv?${reportQuery(p)}`,
};
