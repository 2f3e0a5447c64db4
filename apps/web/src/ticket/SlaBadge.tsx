import { absoluteTime, relativeTime } from '../shared/format';
import type { Sla } from './ticket.api';

/** The next SLA target, red when breached, amber within the hour. */
export function SlaBadge({ sla }: { sla: Sla }) {
  if (!sla.nextDueAt) return null;
  const due = new Date(sla.nextDueAt).getTime();
  const breached = due < Date.now();
  const soon = !breached && due - Date.now() < 3_600_000;
  return (
    <span className={`sla ${breached ? 'breached' : soon ? 'soon' : ''}`} title={`Due ${absoluteTime(sla.nextDueAt)}`}>
      {breached ? `Overdue ${relativeTime(sla.nextDueAt)}` : `Due ${relativeTime(sla.nextDueAt)}`}
    </span>
  );
}
