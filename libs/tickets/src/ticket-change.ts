import { TicketPriority, TicketStatus } from '@app/database';
import { z } from 'zod';
import { TicketError } from './ticket.error';

const tag = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[\p{L}\p{N}_.:-]{1,50}$/u, 'tags are 1–50 letters, digits, _ . : or -');

/** A change an agent makes to one or many tickets; absent fields stay as they are. */
export const ticketChangeSchema = z
  .object({
    status: z.enum(TicketStatus).optional(),
    priority: z.enum(TicketPriority).optional(),
    assigneeId: z.uuid().nullable().optional(),
    groupId: z.uuid().nullable().optional(),
    /** Replaces all tags. */
    tags: z.array(tag).max(30).optional(),
    addTags: z.array(tag).max(30).optional(),
    removeTags: z.array(tag).max(30).optional(),
  })
  .strict();

export type TicketChange = z.output<typeof ticketChangeSchema>;

export function parseTicketChange(input: unknown): TicketChange {
  const parsed = ticketChangeSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TicketError('invalid_ticket_change', `${issue?.path.join('.') || 'change'} ${issue?.message ?? ''}`);
  }
  if (Object.keys(parsed.data).length === 0) throw new TicketError('invalid_ticket_change', 'Nothing to change');
  return parsed.data;
}

/** The tag list after a change, sorted and without duplicates. */
export function nextTags(current: string[], change: TicketChange): string[] {
  const set = new Set(change.tags ?? current);
  for (const t of change.addTags ?? []) set.add(t);
  for (const t of change.removeTags ?? []) set.delete(t);
  return [...set].sort();
}
