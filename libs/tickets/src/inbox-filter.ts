import { Channel, TicketPriority, TicketStatus } from '@app/database';
import { z } from 'zod';
import { TicketError } from './ticket.error';

/** The saved views of the inbox; each is a status/assignee condition the counts are taken for. */
export const INBOX_VIEWS = ['mine', 'unassigned', 'open', 'pending', 'solved', 'all'] as const;
export type InboxView = (typeof INBOX_VIEWS)[number];

export const INBOX_SORTS = ['updated', 'created', 'due'] as const;
export type InboxSort = (typeof INBOX_SORTS)[number];

const UUID = z.uuid({ error: 'must be an id' });
const list = <O>(item: z.ZodType<O, string>) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item).max(20));

/** Query-string filters of the ticket list, validated once; unknown values are a 400, never ignored. */
export const inboxFilterSchema = z.object({
  view: z.enum(INBOX_VIEWS).default('all'),
  status: list(z.enum(TicketStatus)).optional(),
  priority: list(z.enum(TicketPriority)).optional(),
  channel: list(z.enum(Channel)).optional(),
  /** A user id, `me` or `none` (unassigned). */
  assignee: z.union([z.literal('me'), z.literal('none'), UUID]).optional(),
  /** A group id or `none`. */
  group: z.union([z.literal('none'), UUID]).optional(),
  mailbox: UUID.optional(),
  /** Customer page and organisation page (issue 11): one contact's or one organisation's tickets. */
  contact: UUID.optional(),
  organisation: UUID.optional(),
  tag: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[\p{L}\p{N}_.:-]{1,50}$/u, 'must be a tag')
    .optional(),
  q: z.string().trim().max(200).optional(),
  sort: z.enum(INBOX_SORTS).default('updated'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});

export type InboxFilterInput = z.input<typeof inboxFilterSchema>;
export type InboxFilter = z.output<typeof inboxFilterSchema>;

export function parseInboxFilter(input: unknown): InboxFilter {
  const parsed = inboxFilterSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TicketError('invalid_filter', `${issue?.path.join('.') || 'filter'} ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}

/**
 * Builds a prefix-matching tsquery from what an agent typed: words of letters and digits only
 * (so no tsquery syntax reaches PostgreSQL), all required, the last one as a prefix.
 */
export function searchQuery(text: string): string | null {
  const words =
    text
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu)
      ?.slice(0, 8) ?? [];
  if (words.length === 0) return null;
  // The last word is a prefix while it is being typed, unless it is a number: "10042" means that
  // number (a reference, an order number), and a prefix of digits would match many and mislead
  // the planner (at 1,000,000 tickets a prefix estimate chose a 300 ms full index scan).
  return words.map((w, i) => (i === words.length - 1 && !/^\d+$/.test(w) ? `${w}:*` : w)).join(' & ');
}

/**
 * Words of at least three characters from what was typed, lower-cased, with LIKE's wildcards
 * escaped: each must occur somewhere in a customer's address, name, company or organisation
 * (trigram indexes; shorter words would match nearly everyone and cannot use them).
 */
export function customerSearchTerms(text: string): string[] {
  return (text.toLowerCase().match(/[^\s,;<>()"']+/gu) ?? [])
    .filter((w) => w.length >= 3)
    .slice(0, 4)
    .map((w) => w.replace(/[\\%_]/g, (c) => `\\${c}`));
}
