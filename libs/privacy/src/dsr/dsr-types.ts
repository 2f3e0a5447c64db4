import type { DataSubjectRequestEntity } from '@app/database';

export const DSR_TYPES = ['export', 'correction', 'erasure'] as const;
export type DsrType = (typeof DSR_TYPES)[number];
export const DSR_STATUSES = ['received', 'verified', 'done', 'rejected'] as const;
export type DsrStatus = (typeof DSR_STATUSES)[number];

/** Fields a correction may change. */
export const CORRECTABLE_FIELDS = ['name', 'email', 'company', 'website', 'phone', 'postalAddress'] as const;
export type CorrectableField = (typeof CORRECTABLE_FIELDS)[number];
export type Corrections = Partial<Record<CorrectableField, string | null>>;

/** Days the law gives us to answer; the due date is set on receipt. */
export const DSR_DUE_DAYS = 30;

/** What the API and CLI show about a request: states, dates, field names — no personal values. */
export interface DsrView {
  id: string;
  type: string;
  status: string;
  contactId: string | null;
  receivedAt: string;
  receivedBy: string;
  dueAt: string;
  overdue: boolean;
  verifiedAt: string | null;
  verifiedBy: string | null;
  completedAt: string | null;
  fields: string[];
  receipt: Record<string, unknown> | null;
}

export function toView(row: DataSubjectRequestEntity, now = new Date()): DsrView {
  const open = row.status === 'received' || row.status === 'verified';
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    contactId: row.contactId,
    receivedAt: row.createdAt.toISOString(),
    receivedBy: row.receivedBy,
    dueAt: row.dueAt.toISOString(),
    overdue: open && row.dueAt.getTime() < now.getTime(),
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
    verifiedBy: row.verifiedBy,
    completedAt: row.completedAt?.toISOString() ?? null,
    fields: row.requestedChanges ? Object.keys(row.requestedChanges).sort() : ((row.receipt?.fields as string[]) ?? []),
    receipt: row.receipt,
  };
}
