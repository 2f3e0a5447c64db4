// Reports (issue 11): figures from the personal-data-free statistics.
import { get } from '../shared/http';

export interface Durations {
  count: number;
  meanSeconds: number | null;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface Sla {
  firstResponseDue: number;
  firstResponseBreached: number;
  resolutionDue: number;
  resolutionBreached: number;
  breachRate: number | null;
}

export interface Figures {
  created: number;
  solved: number;
  reopened: number;
  reopenRate: number | null;
  firstResponse: Durations;
  resolution: Durations;
  sla: Sla;
}

export interface VolumeReport {
  query: { from: string; to: string; by: string; split: string };
  rows: Array<Figures & { period: string; key: string }>;
  totals: Figures;
  previous: { from: string; to: string; totals: Figures };
}

export interface BacklogReport {
  rows: Array<{ period: string; open: number }>;
  previous: { from: string; to: string; open: number };
}

export interface AgentFigures {
  replies: number;
  solved: number;
  firstResponse: Durations;
  resolution: Durations;
}

export interface AgentReport {
  agents: Array<{ id: string; name: string }>;
  rows: Array<AgentFigures & { period: string; agentId: string }>;
  totals: Array<AgentFigures & { agentId: string }>;
  previous: { from: string; to: string; totals: Array<AgentFigures & { agentId: string }> };
}

export interface OrganisationReport {
  rows: Array<{ organisationId: string; name: string; created: number; solved: number; previousCreated: number }>;
}

export interface ReportParams {
  from: string;
  to: string;
  by: string;
  split: string;
}

export type ReportName = 'volume' | 'backlog' | 'agents' | 'organisations';

export const reportQuery = (p: ReportParams) => new URLSearchParams({ ...p }).toString();

export const reportsApi = {
  volume: (p: ReportParams) => get<VolumeReport>(`/api/reports/volume?${reportQuery(p)}`),
  backlog: (p: ReportParams) => get<BacklogReport>(`/api/reports/backlog?${reportQuery(p)}`),
  agents: (p: ReportParams) => get<AgentReport>(`/api/reports/agents?${reportQuery(p)}`),
  organisations: (p: ReportParams) => get<OrganisationReport>(`/api/reports/organisations?${reportQuery(p)}`),
  csvUrl: (name: ReportName, p: ReportParams) => `/api/reports/${name}.csv?${reportQuery(p)}`,
};
