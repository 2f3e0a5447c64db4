// Desk settings for supervisors and admins: canned replies and SLA policies.
import { del, get, post, put } from '../shared/http';

export interface CannedReply {
  id: string;
  title: string;
  body: string;
}

export interface SlaPolicy {
  priority: string;
  firstResponseMinutes: number;
  resolutionMinutes: number;
  businessHours: boolean;
  timezone: string;
  dayStartMinute: number;
  dayEndMinute: number;
  workDays: number[];
}

export const adminApi = {
  cannedReplies: () => get<{ items: CannedReply[]; placeholders: string[] }>('/api/canned-replies'),
  saveCannedReply: (id: string | undefined, reply: { title: string; body: string }) =>
    id ? put(`/api/canned-replies/${encodeURIComponent(id)}`, reply) : post('/api/canned-replies', reply),
  deleteCannedReply: (id: string) => del(`/api/canned-replies/${encodeURIComponent(id)}`),
  slaPolicies: () => get<{ items: SlaPolicy[] }>('/api/sla-policies'),
  saveSlaPolicy: (priority: string, policy: Omit<SlaPolicy, 'priority'>) =>
    put(`/api/sla-policies/${encodeURIComponent(priority)}`, policy),
};
