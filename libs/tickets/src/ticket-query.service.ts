import { isUuid } from '@app/common';
import {
  AttachmentEntity,
  AttachmentStorage,
  formatTicketReference,
  HistoryEventEntity,
  MessageEntity,
  parseTicketReference,
  TicketStatus,
} from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import { ticketKeySql } from './ticket-key';
import { scopeOf, scopeSql, SYSTEM_SCOPE, type AccessScope, type StaffActor } from './actor';
import { decodeInboxCursor, encodeInboxCursor } from './inbox-cursor';
import { contactMatchSql } from './customer-match';
import {
  customerSearchTerms,
  parseInboxFilter,
  searchQuery,
  type InboxFilter,
  type InboxFilterInput,
  type InboxView,
} from './inbox-filter';
import { pooledQuery } from './pooled-query';
import { SqlParams } from './sql-params';
import { TicketError } from './ticket.error';

/** Old name of the list input, kept for callers that only filter by status. */
export type TicketListQuery = InboxFilterInput;

export interface TicketSla {
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  /** The target that applies now; null when none (solved, closed, or no policy). */
  nextDueAt: string | null;
  firstResponseBreached: boolean;
  resolutionBreached: boolean;
}

export interface TicketSummary {
  id: string;
  reference: string;
  subject: string;
  status: TicketStatus;
  priority: string;
  channel: string;
  contact: { id: string; name: string | null; email: string | null };
  assigneeId: string | null;
  groupId: string | null;
  mailboxId: string | null;
  tags: string[];
  mergedIntoId: string | null;
  createdAt: string;
  updatedAt: string;
  lastMessageAt: string;
  firstResponseAt: string | null;
  sla: TicketSla;
}

export interface TicketPage {
  items: TicketSummary[];
  nextCursor: string | null;
}

export interface AttachmentSummary {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  inline: boolean;
  contentId: string | null;
  available: boolean;
}

export interface TicketDetail extends TicketSummary {
  solvedAt: string | null;
  closedAt: string | null;
  mergedIntoReference: string | null;
  messages: Array<{
    id: string;
    direction: string;
    internal: boolean;
    authorContactId: string | null;
    authorUserId: string | null;
    bodyText: string;
    bodyHtml: string | null;
    messageId: string | null;
    inReplyTo: string | null;
    references: string[];
    deliveryStatus: string | null;
    /** Why the last delivery attempt failed (a code such as `smtp_rejected:550` or `bounced:permanent:…`). */
    deliveryError: string | null;
    // Answering (issue 14).
    /** Inbound: who was copied (offered for reply-all); outbound: who was copied. */
    cc: string[];
    bcc: string[];
    /** Outbound to explicit recipients (a forward); null = the ticket's contact. */
    to: string[] | null;
    sentAt: string | null;
    forwardedMessageId: string | null;
    createdAt: string;
    attachments: AttachmentSummary[];
  }>;
  history: Array<{
    id: string;
    type: string;
    field: string | null;
    oldValue: string | null;
    newValue: string | null;
    actorType: string;
    actorId: string | null;
    createdAt: string;
  }>;
}

/** Counts are exact up to this number; the inbox shows "10000+" beyond (a full count of a million rows is slow). */
export const VIEW_COUNT_CAP = 10_000;

/** Customers matched by a search that are passed to the list query as an array (see contactMatchQuery). */
export const CONTACT_MATCH_CAP = 1_000;

export type ViewCounts = Record<InboxView, number>;

const OPEN = `('new','open')`;

// `me` adds the caller's id as a parameter only when a view uses it (unused parameters are an error).
const VIEW_SQL: Record<InboxView, (me: () => string | null) => string | null> = {
  mine: (me) => {
    const id = me();
    return id ? `t.assignee_id = ${id} AND t.status IN ${OPEN}` : null;
  },
  unassigned: () => `t.assignee_id IS NULL AND t.status IN ${OPEN}`,
  open: () => `t.status IN ${OPEN}`,
  pending: () => `t.status = 'pending'`,
  solved: () => `t.status IN ('solved','closed')`,
  all: () => 'TRUE',
};

const SORT_SQL = {
  updated: { column: 't.updated_at', direction: 'DESC', op: '<' },
  created: { column: 't.created_at', direction: 'DESC', op: '<' },
  // Soonest due first; tickets without a target carry 'infinity' and come last.
  due: { column: 't.next_due_at', direction: 'ASC', op: '>' },
} as const;

interface TicketRow {
  id: string;
  number: string;
  subject: string;
  status: TicketStatus;
  priority: string;
  channel: string;
  contact_id: string;
  contact_name: string | null;
  contact_email: string | null;
  assignee_id: string | null;
  group_id: string | null;
  mailbox_id: string | null;
  tags: string[];
  merged_into_id: string | null;
  created_at: Date;
  updated_at: Date;
  last_message_at: Date;
  first_response_at: Date | null;
  solved_at: Date | null;
  closed_at: Date | null;
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
  next_due_key: string;
  sort_key: string;
}

const SELECT_COLUMNS = `t.id, t.number, t.subject, t.status, t.priority, t.channel, t.contact_id,
  c.name AS contact_name, c.email AS contact_email, t.assignee_id, t.group_id, t.mailbox_id, t.tags,
  t.merged_into_id, t.created_at, t.updated_at, t.last_message_at, t.first_response_at, t.solved_at,
  t.closed_at, t.first_response_due_at, t.resolution_due_at, t.next_due_at::text AS next_due_key`;

@Injectable()
export class TicketQueryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: AttachmentStorage,
  ) {}

  /**
   * One page of the inbox: a view, filters, optional full-text search, sorted with keyset
   * pagination on (sort key, id) so page 1,000 costs what page 1 costs. Without an actor (the CLI
   * on the server) every ticket is visible.
   */
  async list(input: InboxFilterInput, actor?: StaffActor): Promise<TicketPage> {
    const match = this.contactMatchQuery(input);
    const contacts = match
      ? (await pooledQuery<{ id: string }>(this.dataSource, match.sql, match.values)).map((r) => r.id)
      : undefined;
    const { sql, values, filter } = this.listQuery(input, actor, contacts);
    const rows = await pooledQuery<TicketRow>(this.dataSource, sql, values);
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toSummary),
      nextCursor:
        rows.length > filter.limit && last
          ? encodeInboxCursor({ sort: filter.sort, key: last.sort_key, id: last.id })
          : null,
    };
  }

  /** The SQL of one list page (public so the inbox benchmark can time the same statement bare). */
  listQuery(
    input: InboxFilterInput,
    actor?: StaffActor,
    matchedContacts?: string[],
  ): { sql: string; values: unknown[]; filter: InboxFilter } {
    const filter = parseInboxFilter(input);
    const scope = actor ? scopeOf(actor) : SYSTEM_SCOPE;
    const p = new SqlParams();
    const where = this.conditions(filter, scope, actor, p, matchedContacts);
    const sort = SORT_SQL[filter.sort];
    if (filter.cursor) {
      const cursor = decodeInboxCursor(filter.cursor, filter.sort);
      where.push(`(${sort.column}, t.id) ${sort.op} (${p.add(cursor.key)}::timestamptz, ${p.add(cursor.id)}::uuid)`);
    }
    const sql = `SELECT ${SELECT_COLUMNS}, ${sort.column}::text AS sort_key
      FROM tickets t JOIN contacts c ON c.id = t.contact_id
      WHERE ${where.join(' AND ')}
      ORDER BY ${sort.column} ${sort.direction}, t.id ${sort.direction}
      LIMIT ${filter.limit + 1}`;
    return { sql, values: p.values, filter };
  }

  /**
   * Issue 11: the customers whose address, name, company or organisation match a search, looked up
   * first (up to CONTACT_MATCH_CAP of them) so that the list query gets their ids as one array: as a
   * subquery inside the list, the planner could not know how few there are and scanned tickets.
   * Null when the search has no customer terms (or is a reference).
   */
  contactMatchQuery(input: InboxFilterInput): { sql: string; values: unknown[] } | null {
    const q = parseInboxFilter(input).q;
    if (!q || parseTicketReference(q) !== null) return null;
    const terms = customerSearchTerms(q);
    if (!terms.length) return null;
    const p = new SqlParams();
    return { sql: `${contactMatchSql(terms, (v) => p.add(v))} LIMIT ${CONTACT_MATCH_CAP + 1}`, values: p.values };
  }

  /** Tickets per view for this caller, exact up to VIEW_COUNT_CAP. One round trip. */
  async counts(actor: StaffActor): Promise<ViewCounts> {
    const { sql, values } = this.countsQuery(actor);
    const [row] = await pooledQuery<ViewCounts>(this.dataSource, sql, values);
    if (!row) throw new Error('count query returned no row');
    return row;
  }

  /**
   * One capped count per view. Each count reads at most VIEW_COUNT_CAP index entries (LIMIT under
   * the count; index-only scans on ix_tickets_assignee_status / ix_tickets_group_status), so its
   * cost does not grow with the size of the desk. An agent's scope "assigned to me OR no group OR
   * one of my groups" is split into three disjoint parts joined by UNION ALL under the one LIMIT:
   * each part has an index, whereas the OR forced a scan of every ticket of the view.
   */
  countsQuery(actor: StaffActor): { sql: string; values: unknown[] } {
    const p = new SqlParams();
    const me = p.add(actor.id);
    const myGroups = `(SELECT gm.group_id FROM group_members gm WHERE gm.user_id = ${me})`;
    const parts =
      scopeOf(actor).kind === 'all'
        ? ['TRUE']
        : [
            't.group_id IS NULL',
            `t.group_id IN ${myGroups}`,
            `t.assignee_id = ${me} AND t.group_id IS NOT NULL AND t.group_id NOT IN ${myGroups}`,
          ];
    const columns = (Object.keys(VIEW_SQL) as InboxView[]).map((view) => {
      const cond = VIEW_SQL[view](() => me) ?? 'FALSE';
      const union = parts.map((part) => `SELECT 1 FROM tickets t WHERE ${cond} AND ${part}`).join(' UNION ALL ');
      return `(SELECT count(*) FROM (${union} LIMIT ${VIEW_COUNT_CAP}) x)::int AS "${view}"`;
    });
    return { sql: `SELECT ${columns.join(', ')}`, values: p.values };
  }

  /** By id (UUID) or by reference (`T-10042`). A ticket the caller may not see is "not found". */
  async get(idOrReference: string, actor?: StaffActor): Promise<TicketDetail> {
    const row = await this.findRow(idOrReference, actor ? scopeOf(actor) : SYSTEM_SCOPE);
    const messages = await this.dataSource.getRepository(MessageEntity).find({
      where: { ticketId: row.id },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const attachments = messages.length
      ? await this.dataSource.getRepository(AttachmentEntity).find({
          where: { messageId: In(messages.map((m) => m.id)) },
          order: { createdAt: 'ASC' },
        })
      : [];
    const history = await this.dataSource.getRepository(HistoryEventEntity).find({
      where: { ticketId: row.id },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const mergedInto = row.merged_into_id
      ? await this.dataSource.query<Array<{ number: string }>>('SELECT number FROM tickets WHERE id = $1', [
          row.merged_into_id,
        ])
      : [];
    return {
      ...toSummary(row),
      solvedAt: row.solved_at?.toISOString() ?? null,
      closedAt: row.closed_at?.toISOString() ?? null,
      mergedIntoReference: mergedInto[0] ? formatTicketReference(Number(mergedInto[0].number)) : null,
      messages: messages.map((m) => ({
        id: m.id,
        direction: m.direction,
        internal: m.internal,
        authorContactId: m.authorContactId,
        authorUserId: m.authorUserId,
        bodyText: m.bodyText,
        bodyHtml: m.bodyHtml,
        messageId: m.messageIdHeader,
        inReplyTo: m.inReplyTo,
        references: m.references,
        deliveryStatus: m.deliveryStatus,
        deliveryError: m.deliveryError,
        cc: m.cc,
        bcc: m.bcc,
        to: m.toAddresses,
        sentAt: m.sentAt?.toISOString() ?? null,
        forwardedMessageId: m.forwardedMessageId,
        createdAt: m.createdAt.toISOString(),
        attachments: attachments.filter((a) => a.messageId === m.id).map(toAttachmentSummary),
      })),
      history: history.map((h) => ({
        id: h.id,
        type: h.type,
        field: h.field,
        oldValue: h.oldValue,
        newValue: h.newValue,
        actorType: h.actorType,
        actorId: h.actorId,
        createdAt: h.createdAt.toISOString(),
      })),
    };
  }

  /** Id of a ticket the caller may see, or ticket_not_found. */
  async visibleTicketId(idOrReference: string, actor: StaffActor): Promise<string> {
    return (await this.findRow(idOrReference, scopeOf(actor))).id;
  }

  /** An attachment's metadata and bytes, when the caller may see its ticket. */
  async attachment(id: string, actor: StaffActor): Promise<{ meta: AttachmentSummary; data: Buffer }> {
    if (!isUuid(id)) throw new TicketError('attachment_not_found', 'No such attachment');
    const p = new SqlParams();
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT a.id FROM attachments a JOIN messages m ON m.id = a.message_id JOIN tickets t ON t.id = m.ticket_id
       WHERE a.id = ${p.add(id)} AND ${scopeSql(scopeOf(actor), (v) => p.add(v))}`,
      p.values,
    );
    const entity = rows[0]
      ? await this.dataSource.getRepository(AttachmentEntity).findOne({ where: { id: rows[0].id } })
      : null;
    const data = entity?.storageKey ? await this.storage.get(entity.storageKey) : null;
    if (!entity || !data) throw new TicketError('attachment_not_found', 'No such attachment');
    return { meta: toAttachmentSummary(entity), data };
  }

  private conditions(
    filter: InboxFilter,
    scope: AccessScope,
    actor: StaffActor | undefined,
    p: SqlParams,
    matchedContacts?: string[],
  ): string[] {
    const add = (v: unknown) => p.add(v);
    const where = [scopeSql(scope, add)];
    const view = VIEW_SQL[filter.view](() => (actor ? add(actor.id) : null));
    if (view === null) throw new TicketError('invalid_filter', 'view "mine" needs a signed-in user');
    if (view !== 'TRUE') where.push(view);
    if (filter.status?.length) where.push(`t.status = ANY(${add(filter.status)}::ticket_status[])`);
    if (filter.priority?.length) where.push(`t.priority = ANY(${add(filter.priority)}::ticket_priority[])`);
    if (filter.channel?.length) where.push(`t.channel = ANY(${add(filter.channel)}::channel[])`);
    if (filter.assignee === 'none') where.push('t.assignee_id IS NULL');
    else if (filter.assignee === 'me') {
      if (!actor) throw new TicketError('invalid_filter', 'assignee "me" needs a signed-in user');
      where.push(`t.assignee_id = ${add(actor.id)}`);
    } else if (filter.assignee) where.push(`t.assignee_id = ${add(filter.assignee)}`);
    if (filter.group === 'none') where.push('t.group_id IS NULL');
    else if (filter.group) where.push(`t.group_id = ${add(filter.group)}`);
    if (filter.mailbox) where.push(`t.mailbox_id = ${add(filter.mailbox)}`);
    if (filter.tag) where.push(`t.tags @> ARRAY[${add(filter.tag)}]::text[]`);
    if (filter.contact) where.push(`t.contact_id = ${add(filter.contact)}`);
    if (filter.organisation)
      where.push(
        `t.contact_id IN (SELECT oc.id FROM contacts oc WHERE oc.organisation_id = ${add(filter.organisation)})`,
      );
    if (filter.q) {
      const reference = parseTicketReference(filter.q);
      if (reference !== null) where.push(`t.number = ${add(reference)}`);
      else {
        // Issue 11: a bare number is a reference too; the customer's address, name, company and
        // organisation match beside subject and message text. One set of ids, so each branch
        // uses its own index and the page is then sorted as any other.
        const tsquery = searchQuery(filter.q);
        const terms = customerSearchTerms(filter.q);
        const branches: string[] = [];
        if (/^\d{1,15}$/.test(filter.q))
          branches.push(`SELECT n.id FROM tickets n WHERE n.number = ${add(Number(filter.q))}`);
        if (tsquery)
          branches.push(
            `SELECT s.ticket_id FROM ticket_search s WHERE s.document @@ to_tsquery('simple', ${add(tsquery)})`,
          );
        if (terms.length && matchedContacts && matchedContacts.length <= CONTACT_MATCH_CAP) {
          if (matchedContacts.length)
            branches.push(`SELECT ct.id FROM tickets ct WHERE ct.contact_id = ANY(${add(matchedContacts)}::uuid[])`);
        } else if (terms.length)
          // Very many customers match (or the caller did not look them up): the subquery form.
          branches.push(`SELECT ct.id FROM tickets ct WHERE ct.contact_id IN (${contactMatchSql(terms, add)})`);
        if (branches.length) where.push(`t.id IN (${branches.join(' UNION ')})`);
      }
    }
    return where;
  }

  private async findRow(idOrReference: string, scope: AccessScope): Promise<TicketRow> {
    const p = new SqlParams();
    const key = ticketKeySql(idOrReference, (v) => p.add(v));
    const rows = await this.dataSource.query<TicketRow[]>(
      `SELECT ${SELECT_COLUMNS}, '' AS sort_key FROM tickets t JOIN contacts c ON c.id = t.contact_id
       WHERE ${key} AND ${scopeSql(scope, (v) => p.add(v))}`,
      p.values,
    );
    const row = rows[0];
    if (!row) throw new TicketError('ticket_not_found', 'No such ticket');
    return row;
  }
}

function toSummary(t: TicketRow): TicketSummary {
  const now = Date.now();
  const nextDue = t.next_due_key === 'infinity' ? null : new Date(t.next_due_key).toISOString();
  const responded = t.first_response_at?.getTime() ?? now;
  const resolved = (t.solved_at ?? t.closed_at)?.getTime() ?? now;
  return {
    id: t.id,
    reference: formatTicketReference(Number(t.number)),
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    channel: t.channel,
    contact: { id: t.contact_id, name: t.contact_name, email: t.contact_email },
    assigneeId: t.assignee_id,
    groupId: t.group_id,
    mailboxId: t.mailbox_id,
    tags: t.tags,
    mergedIntoId: t.merged_into_id,
    createdAt: t.created_at.toISOString(),
    updatedAt: t.updated_at.toISOString(),
    lastMessageAt: t.last_message_at.toISOString(),
    firstResponseAt: t.first_response_at?.toISOString() ?? null,
    sla: {
      firstResponseDueAt: t.first_response_due_at?.toISOString() ?? null,
      resolutionDueAt: t.resolution_due_at?.toISOString() ?? null,
      nextDueAt: nextDue,
      firstResponseBreached: t.first_response_due_at ? responded > t.first_response_due_at.getTime() : false,
      resolutionBreached: t.resolution_due_at ? resolved > t.resolution_due_at.getTime() : false,
    },
  };
}

function toAttachmentSummary(a: AttachmentEntity): AttachmentSummary {
  return {
    id: a.id,
    filename: a.filename,
    contentType: a.contentType,
    size: a.size,
    sha256: a.sha256,
    inline: a.inline,
    contentId: a.contentId,
    available: a.storageKey !== null,
  };
}
