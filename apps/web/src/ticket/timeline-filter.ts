// Issue 11: the ticket timeline filtered by kind of event, for supervisors reviewing request history.

export const TIMELINE_KINDS = [
  ['all', 'Everything'],
  ['messages', 'Messages'],
  ['changes', 'Status, priority, assignment'],
  ['merges', 'Merges'],
  ['sla', 'SLA'],
  ['privacy', 'Privacy actions'],
] as const;

export type TimelineKind = (typeof TIMELINE_KINDS)[number][0];

/** The kind a history event belongs to; messages are their own kind. */
export function eventKind(type: string, field: string | null): TimelineKind {
  if (type === 'merged' || type === 'contact_merged') return 'merges';
  if (type.startsWith('sla') || field?.startsWith('sla') || field?.endsWith('due_at')) return 'sla';
  if (type.startsWith('contact_') || type.includes('redact') || type.includes('erase') || type.includes('consent'))
    return 'privacy';
  if (type.startsWith('message_') || type === 'reply_queued' || type === 'note_added') return 'messages';
  return 'changes';
}
