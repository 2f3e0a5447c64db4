// The Privacy admin screen's client: retention policies and dry runs, policy versions, data-subject requests.
import { ApiError, csrfToken, del, get, post, put } from '../shared/http';

export interface RetentionRule {
  days: number;
  action: string;
  source: 'default' | 'global' | 'mailbox';
}

export interface RetentionPolicy {
  global: Record<string, RetentionRule>;
  mailboxes: Record<string, Record<string, RetentionRule>>;
}

export interface RetentionPlan {
  asOf: string;
  entries: Array<{ dataClass: string; action: string; target: string; count: number }>;
}

export interface RetentionRun {
  id: string;
  createdAt: string;
  finishedAt: string | null;
  status: string;
  actor: string;
  planned: Record<string, number>;
  done: Record<string, number>;
}

export interface PolicyVersion {
  version: string;
  text: string;
  publishedAt: string;
}

export interface DataSubjectRequest {
  id: string;
  type: 'export' | 'correction' | 'erasure';
  status: string;
  contactId: string | null;
  receivedAt: string;
  dueAt: string;
  overdue: boolean;
  verifiedAt: string | null;
  completedAt: string | null;
  fields: string[];
}

export const privacyApi = {
  policy: () => get<RetentionPolicy>('/api/privacy/retention/policy'),
  setRule: (dataClass: string, rule: { days: number; action: string }) =>
    put<RetentionRule>(`/api/privacy/retention/policy/${encodeURIComponent(dataClass)}`, rule),
  resetRule: (dataClass: string) => del(`/api/privacy/retention/policy/${encodeURIComponent(dataClass)}`),
  plan: () => get<RetentionPlan>('/api/privacy/retention/plan'),
  runs: () => get<RetentionRun[]>('/api/privacy/retention/runs'),
  runNow: () => post<{ runId: string; done: Record<string, number> }>('/api/privacy/retention/runs'),

  versions: () => get<PolicyVersion[]>('/api/privacy/policy-versions'),
  publish: (input: { version: string; text: string }) => post<PolicyVersion>('/api/privacy/policy-versions', input),

  requests: () => get<DataSubjectRequest[]>('/api/privacy/dsr'),
  record: (input: { type: string; contact: string }) => post<DataSubjectRequest>('/api/privacy/dsr', input),
  verify: (id: string) => post<DataSubjectRequest>(`/api/privacy/dsr/${id}/verify`),
  reject: (id: string) => post<DataSubjectRequest>(`/api/privacy/dsr/${id}/reject`),
  /** Carries out a verified request; an export answers with its archive, handed to the browser as a download. */
  complete: async (id: string): Promise<void> => {
    const res = await fetch(`/api/privacy/dsr/${id}/complete`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'x-csrf-token': csrfToken(), 'content-type': 'application/json', accept: 'application/json' },
      body: '{}',
    });
    if (!res.ok) {
      const data = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
      throw new ApiError(res.status, data.error ?? 'http_error', data.message ?? `Request failed (${res.status})`);
    }
    if (!res.headers.get('content-type')?.includes('gzip')) return;
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export.tar.gz';
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    URL.revokeObjectURL(url);
  },
};
