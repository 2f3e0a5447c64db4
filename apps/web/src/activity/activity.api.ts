// The activity view (issue 11): every change by staff, for supervisors and admins.
import { get } from '../shared/http';

export interface ActivityItem {
  id: string;
  at: string;
  agentId: string | null;
  ticketId: string;
  reference: string;
  groupId: string | null;
  kind: string;
  type: string;
  field: string | null;
  oldValue: string | null;
  newValue: string | null;
}

export interface ActivityFilter {
  from: string;
  to: string;
  agent: string;
  group: string;
  kind: string;
}

const query = (f: ActivityFilter, extra: Record<string, string> = {}) => {
  const p = new URLSearchParams({ from: f.from, to: f.to, ...extra });
  for (const key of ['agent', 'group', 'kind'] as const) if (f[key]) p.set(key, f[key]);
  return p.toString();
};

export const activityApi = {
  page: (f: ActivityFilter, cursor: string) =>
    get<{ items: ActivityItem[]; nextCursor: string | null }>(
      `/api/activity?${query(f, cursor ? { cursor, limit: '50' } : { limit: '50' })}`,
    ),
  csvUrl: (f: ActivityFilter) => `/api/activity/export.csv?${query(f)}`,
};
