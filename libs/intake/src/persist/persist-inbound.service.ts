import { hmacHex } from '@app/common';
import { AppConfig } from '@app/config';
import {
  ActorType,
  AttachmentStorage,
  Channel,
  DeliveryStatus,
  ConsentEntity,
  ConsentPurpose,
  InboundKind,
  InboundStatus,
  MessageDirection,
  MessageEntity,
  TicketStatus,
  TICKET_NUMBER_SEQUENCE,
} from '@app/database';
import { ReplyTokens } from '@app/mail';
import { QueueService } from '@app/queue';
import { ackLockSql, acknowledgementLockKeys, decideAcknowledgements, enqueueSends, recordHistory } from '@app/tickets';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { sha256Hex } from '@app/common';
import { resolveAttachmentPlaceholders } from '../pipeline/filters/sanitize-html.filter';
import { writtenByPerson, type IntakeContext } from '../pipeline/intake-context';
import {
  ackTemplateParams,
  ackTemplatesByMailbox,
  ackTemplatesSql,
  renderAck,
  type AckTemplateRow,
} from './ack-template';

export type PersistOutcome =
  | { kind: 'created'; ticketId: string; messageId: string; outbound?: string[] }
  | { kind: 'follow_up'; ticketId: string; messageId: string; outbound?: string[] }
  | { kind: 'duplicate'; ticketId: string; messageId: string }
  | { kind: 'already_processed'; ticketId: string | null }
  | { kind: 'gone' };

interface LockedRow {
  ord: string;
  status: InboundStatus | null;
  ticket_id: string | null;
  dup_id: string | null;
  dup_ticket_id: string | null;
}

interface LockedTicket {
  id: string;
  number: string;
  status: TicketStatus;
  merged_into_id: string | null;
}

/** One row of a batch INSERT, keyed by column name (serialised as JSON into jsonb_to_recordset). */
type Row = Record<string, unknown>;

/** What insertTickets returns: the new tickets' numbers, and the acknowledgement templates they may use. */
interface PreparedTickets {
  numbers: Map<string, number>;
  templates: Map<string | null, { template: string; fromName: string | null }>;
}

/** A new ticket that may get an acknowledgement (libs/tickets decides whether it does). */
interface AckCandidate {
  index: number;
  ticketId: string;
  contactId: string;
  address: string;
  name: string | null;
  mailboxId: string | null;
  subject: string;
  inbound: Row;
}

/**
 * Commits processed inbound messages — one, or a batch of them — in ONE transaction: contacts,
 * tickets or follow-up messages, attachments, history, consents, acknowledgements, and the staging
 * rows marked processed with their raw bytes dropped. Rows travel as JSON through
 * `jsonb_to_recordset`, a table's rows in one statement and most tables in one statement together
 * (writeAll), so a batch of new tickets with their acknowledgements costs seven round trips
 * whatever its size: each is paid while the transaction is open. The staging rows are locked
 * first, so a job that runs twice (BullMQ is at-least-once) finds its row processed and creates
 * nothing twice.
 *
 * Follow-up rules (issue 4): a customer reply on a solved (or pending) ticket reopens it; on a
 * closed ticket it starts a new ticket linked to the old one; list and bulk mail (`bulk`) is a
 * customer reply like any other but is never acknowledged. Auto-replies, bounces, feedback
 * reports and loops are stored on the ticket they belong to but never reopen it and never get an
 * acknowledgement. A bounce marks the outbound message it reports on as failed. Acknowledgements
 * are queued in the same transaction and enqueued for sending after the commit.
 *
 * Within a batch, messages are decided in order, as if committed one after another: the same
 * email twice (same Message-ID and content hash) is stored once, and a second reply to a solved
 * ticket sees it already reopened. The caller keeps replies to a message of the same batch out of
 * it (their thread is decided only once that message is committed).
 */
@Injectable()
export class PersistInboundService {
  private readonly tokens: ReplyTokens;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: AttachmentStorage,
    private readonly config: AppConfig,
    private readonly queue: QueueService,
  ) {
    this.tokens = new ReplyTokens(config.values.APP_SECRET, config.values.MAIL_FROM);
  }

  /**
   * Outcomes in the order of `ctxs`. All or nothing: on any error the whole batch rolls back.
   * The batch's acknowledgements go to `sendNow` once it is committed (the worker sends them at
   * once, AcknowledgementSender), else each gets a `send-message` job.
   */
  async persistBatch(
    ctxs: IntakeContext[],
    sendNow?: (messageIds: string[]) => Promise<void>,
  ): Promise<PersistOutcome[]> {
    if (ctxs.length === 0) return [];
    const outcomes = await this.dataSource.transaction((m) => this.commit(m, ctxs));
    // After the commit only: a send for a rolled-back row would be mail about nothing.
    const sends = outcomes.flatMap((o) => ('outbound' in o ? (o.outbound ?? []) : []));
    if (sendNow) await sendNow(sends);
    else await enqueueSends(this.queue, sends);
    return outcomes;
  }

  private async commit(m: EntityManager, ctxs: IntakeContext[]): Promise<PersistOutcome[]> {
    for (const ctx of ctxs) {
      if (!ctx.message || !ctx.sender) throw new Error('pipeline did not produce a message and sender');
    }
    const now = new Date();
    const outcomes: Array<PersistOutcome | undefined> = ctxs.map(() => undefined);

    // 1. One statement: lock the staging rows, read their state, and look for each email already
    //    stored (through another mailbox, or APPENDed twice: same Message-ID and content hash).
    const locked = await m.query<LockedRow[]>(
      `SELECT x.ord, i.status, i.ticket_id, d.id AS dup_id, d.ticket_id AS dup_ticket_id
         FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS x(id, mid, sha, ord)
         JOIN inbound_messages i ON i.id = x.id
         LEFT JOIN LATERAL (
           SELECT id, ticket_id FROM messages
            WHERE x.mid IS NOT NULL AND message_id_header = x.mid AND content_sha256 = x.sha AND direction = $4
            LIMIT 1) d ON true
        ORDER BY x.id
        FOR UPDATE OF i`,
      [
        ctxs.map((c) => c.inbound.id),
        ctxs.map((c) => c.message?.messageId ?? null),
        ctxs.map((c) => c.inbound.sha256),
        MessageDirection.In,
      ],
    );
    const state = new Map(locked.map((r) => [Number(r.ord) - 1, r]));

    // 2. Contacts: one read for every sender; one upsert for the new ones (and missing names).
    const contacts = await this.contacts(m, ctxs);

    // 3. Tickets the messages follow up on, locked (and the tickets they were merged into).
    const tickets = await this.lockTickets(
      m,
      ctxs.flatMap((c) => (c.thread.ticketId ? [c.thread.ticketId] : [])),
    );

    const newTickets: Row[] = [];
    const ticketUpdates = new Map<string, Row>();
    const messages: Row[] = [];
    const attachments: Array<{
      row: Row;
      content: Buffer;
      staged?: { inboundMessageId: string; start: number; end: number };
    }> = [];
    const history: Row[] = [];
    const processed: Array<{ id: string; ticketId: string; messageId: string }> = [];
    const ackCandidates: AckCandidate[] = [];
    const seen = new Map<string, { ticketId: string; messageId: string }>();

    for (const [index, ctx] of ctxs.entries()) {
      const message = ctx.message!;
      const sender = ctx.sender!;
      const row = ctx.inbound;
      const st = state.get(index);
      if (!st || st.status === null) {
        outcomes[index] = { kind: 'gone' };
        continue;
      }
      if (st.status === InboundStatus.Processed || st.status === InboundStatus.Quarantined) {
        outcomes[index] = { kind: 'already_processed', ticketId: st.ticket_id };
        continue;
      }
      const key = message.messageId ? `${message.messageId}\u0000${row.sha256}` : null;
      const dup =
        st.dup_id && st.dup_ticket_id
          ? { ticketId: st.dup_ticket_id, messageId: st.dup_id }
          : key
            ? seen.get(key)
            : undefined;
      if (dup) {
        processed.push({ id: row.id, ...dup });
        outcomes[index] = { kind: 'duplicate', ...dup };
        continue;
      }

      const contactId = contacts.get(sender.address);
      if (!contactId) throw new Error('contact missing after upsert');
      // People write `normal` and `bulk` mail (bulk: through a list or forwarding rule); both reopen.
      const human = writtenByPerson(ctx.classification);
      let kind: 'created' | 'follow_up' = 'follow_up';
      let ticket = ctx.thread.ticketId ? (tickets.get(ctx.thread.ticketId) ?? null) : null;
      let linkedTicketId: string | null = null;
      if (ticket && ticket.status === TicketStatus.Closed && human) {
        // A closed ticket stays closed; the customer's new mail starts a new ticket that links back.
        linkedTicketId = ticket.id;
        ticket = null;
      }
      let ticketId: string;
      if (ticket) {
        ticketId = ticket.id;
        const reopen = human && (ticket.status === TicketStatus.Solved || ticket.status === TicketStatus.Pending);
        const update = ticketUpdates.get(ticketId) ?? { id: ticketId, last_message_at: now, reopen: false };
        if (reopen) {
          update.reopen = true;
          history.push(
            historyRow(
              ticketId,
              ActorType.Contact,
              contactId,
              'status_changed',
              'status',
              ticket.status,
              TicketStatus.Open,
            ),
          );
          // Decided in order: a later message of this batch sees the ticket open.
          ticket.status = TicketStatus.Open;
        }
        ticketUpdates.set(ticketId, update);
      } else {
        kind = 'created';
        ticketId = randomUUID();
        newTickets.push({
          id: ticketId,
          number: row.reservedTicketNumber ?? null,
          subject: message.subject.trim() || '(no subject)',
          status: TicketStatus.New,
          channel: row.kind === InboundKind.Form ? (ctx.form?.portal ? Channel.Portal : Channel.Form) : Channel.Email,
          contact_id: contactId,
          mailbox_id: row.mailboxId,
          last_message_at: now,
          linked_ticket_id: linkedTicketId,
        });
        history.push(
          historyRow(
            ticketId,
            ActorType.Contact,
            contactId,
            'ticket_created',
            'channel',
            null,
            ctx.form?.portal ? Channel.Portal : row.kind,
          ),
        );
        if (linkedTicketId) {
          history.push(
            historyRow(ticketId, ActorType.System, null, 'linked_to_closed', 'linked_ticket_id', null, linkedTicketId),
          );
        }
      }

      const messageId = randomUUID();
      // Attachment ids are chosen here, so `cid:` images become authenticated attachment URLs in the
      // HTML before the message row is written (one INSERT, no follow-up UPDATE).
      const attachmentIds = message.attachments.map(() => randomUUID());
      const inbound: Row = {
        id: messageId,
        ticket_id: ticketId,
        author_contact_id: contactId,
        body_text: message.text,
        body_html: ctx.sanitizedHtml ? resolveAttachmentPlaceholders(ctx.sanitizedHtml, attachmentIds) : null,
        body_text_visible: ctx.visibleText,
        body_text_quoted: ctx.quotedText,
        classification: row.kind === InboundKind.Form ? null : ctx.classification,
        remote_images_blocked: ctx.blockedImages,
        message_id_header: message.messageId,
        in_reply_to: message.inReplyTo,
        references: message.references,
        content_sha256: message.messageId ? row.sha256 : null,
        inbound_message_id: row.id,
        created_at: row.createdAt ?? now,
        cc: message.cc.map((a) => a.address.toLowerCase()).slice(0, 50),
      };
      messages.push(inbound);
      for (const [i, attachment] of message.attachments.entries()) {
        attachments.push({
          content: attachment.content,
          // Size and checksum of a part left in the staging row come from the database as it stores it.
          ...(attachment.staged ? { staged: { inboundMessageId: row.id, ...attachment.staged } } : {}),
          row: {
            id: attachmentIds[i],
            message_id: messageId,
            filename: attachment.filename,
            content_type: attachment.contentType,
            size: attachment.staged ? null : attachment.content.length,
            sha256: attachment.staged ? null : sha256Hex(attachment.content),
            content_id: attachment.contentId,
            inline: attachment.inline,
            never_inline: attachment.neverInline ?? false,
            declared_content_type: attachment.declaredContentType ?? null,
            storage_key: randomUUID(),
          },
        });
      }
      history.push(
        historyRow(
          ticketId,
          ActorType.Contact,
          contactId,
          human ? 'message_received' : `${ctx.classification}_received`,
          'message',
          null,
          messageId,
        ),
      );
      if (key) seen.set(key, { ticketId, messageId });
      // RFC 3834: no automatic answer to list or bulk mail.
      if (kind === 'created' && ctx.classification === 'normal' && this.config.values.ACK_ENABLED) {
        ackCandidates.push({
          index,
          ticketId,
          contactId,
          address: sender.address,
          name: sender.name,
          mailboxId: row.mailboxId,
          subject: message.subject.trim() || '(no subject)',
          inbound,
        });
      }
      processed.push({ id: row.id, ticketId, messageId });
      outcomes[index] = { kind, ticketId, messageId, outbound: [] };
    }

    // 4. Writes. New tickets, with what their acknowledgements need (the mailboxes' templates, and
    //    the per-contact locks that make the hourly count exact) in the same statement.
    const prepared = await this.insertTickets(m, newTickets, ackCandidates);
    await this.updateTickets(m, [...ticketUpdates.values()]);
    const acks = await this.acknowledgements(m, ackCandidates, prepared, history);
    for (const a of attachments) {
      const key = String(a.row.storage_key);
      if (!a.staged) await this.storage.put(m, key, a.content);
      else Object.assign(a.row, await this.storage.putFromStagedBase64(m, key, a.staged));
    }
    // Then every row of the batch in one statement (writeAll): the customers' messages, the
    // acknowledgements, attachments, history, and the staging rows marked processed. A customer's
    // message is dated when it reached us (its staging row), not when a worker got to it: an
    // email and a portal reply to one ticket keep the order they arrived in, even when the later
    // one (a form payload needs no MIME parsing) is committed first or in the same batch. An
    // acknowledgement takes the clock, so it comes after the message it answers.
    await writeAll(
      m,
      [
        {
          table: 'messages',
          columns: INBOUND_MESSAGE_COLUMNS,
          rows: messages.map((r) => ({ ...r, direction: MessageDirection.In, internal: false })),
        },
        {
          table: 'messages',
          columns: OUTBOUND_MESSAGE_COLUMNS,
          rows: acks.map((a) => a.row),
          computed: { created_at: 'clock_timestamp()' },
        },
        { table: 'attachments', columns: ATTACHMENT_COLUMNS, rows: attachments.map((a) => a.row) },
        { table: 'history_events', columns: HISTORY_COLUMNS, rows: history },
      ],
      processed,
    );
    // Rare, per message: consents from the web form, and bounces marking an outbound message failed.
    for (const [index, ctx] of ctxs.entries()) {
      const outcome = outcomes[index];
      if (!outcome || (outcome.kind !== 'created' && outcome.kind !== 'follow_up')) continue;
      if (ctx.form) await this.recordConsents(m, contacts.get(ctx.sender!.address)!, ctx);
      if (ctx.classification === 'bounce') await this.markBounced(m, ctx);
    }
    for (const ack of acks) {
      const outcome = outcomes[ack.index];
      if (outcome && 'outbound' in outcome) outcome.outbound = [String(ack.row.id)];
    }
    return outcomes.map((o) => o ?? { kind: 'gone' });
  }

  /**
   * Contact id per sender address, in one statement: the addresses known (a contact's own, or a
   * further address of theirs), and an upsert for the new ones and for known contacts without a
   * name when the mail brings one.
   */
  private async contacts(m: EntityManager, ctxs: IntakeContext[]): Promise<Map<string, string>> {
    const names = new Map<string, string | null>();
    for (const ctx of ctxs) {
      const sender = ctx.sender!;
      if (!names.get(sender.address)) names.set(sender.address, sender.name);
    }
    const emails = [...names.keys()];
    const rows = await m.query<Array<{ id: string; email: string }>>(
      // A further address of a customer (issue 11: added by staff or kept from a merge) is theirs;
      // it never gets a contact of its own, so it counts as named. An upsert locks the contact row
      // until commit, so only for what must be written; sorted, so two batches lock the same
      // contacts in the same order.
      `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[]) AS x(email, name)),
       known AS (
         SELECT id, email, name IS NOT NULL AS named FROM contacts WHERE email = ANY($1::text[])
         UNION ALL SELECT contact_id, email, true FROM contact_addresses WHERE email = ANY($1::text[])),
       written AS (
         INSERT INTO contacts (email, name)
         SELECT i.email, i.name FROM input i
          WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.email = i.email AND (k.named OR i.name IS NULL))
          ORDER BY i.email
         ON CONFLICT (email) DO UPDATE SET name = COALESCE(contacts.name, EXCLUDED.name)
         RETURNING id, email)
       SELECT id, email FROM known WHERE email NOT IN (SELECT email FROM written)
       UNION ALL SELECT id, email FROM written`,
      [emails, emails.map((e) => names.get(e)?.replaceAll('\u0000', '\ufffd') ?? null)],
    );
    return new Map(rows.map((r) => [r.email, r.id]));
  }

  /** Locks the tickets followed up on, in id order; a merged ticket's mail goes to its target. */
  private async lockTickets(m: EntityManager, ids: string[]): Promise<Map<string, LockedTicket>> {
    const byId = new Map<string, LockedTicket>();
    if (ids.length === 0) return byId;
    const lock = (list: string[]) =>
      m.query<LockedTicket[]>(
        `SELECT id, number, status, merged_into_id FROM tickets WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [[...new Set(list)]],
      );
    const rows = await lock(ids);
    const targets = await lock(rows.flatMap((r) => (r.merged_into_id ? [r.merged_into_id] : [])));
    const target = new Map(targets.map((t) => [t.id, t]));
    for (const r of rows) byId.set(r.id, (r.merged_into_id && target.get(r.merged_into_id)) || r);
    return byId;
  }

  /**
   * New tickets in one INSERT, each one's number (from its sequence, or reserved) returned; a new
   * ticket from a mailbox lands in that mailbox's default group (none for the web form). The same
   * statement reads the acknowledgement templates of the candidates' mailboxes and takes the
   * per-contact acknowledgement locks, so the count that follows (decideAcknowledgements) sees
   * every acknowledgement committed before it.
   */
  private async insertTickets(m: EntityManager, rows: Row[], candidates: AckCandidate[]): Promise<PreparedTickets> {
    const numbers = new Map<string, number>();
    if (rows.length === 0) return { numbers, templates: new Map() };
    const lockKeys = acknowledgementLockKeys(
      this.tokens,
      candidates.map((c) => ({ contactId: c.contactId, contactEmail: c.address })),
      this.config.values.ACK_RATE_LIMIT_PER_HOUR,
    );
    const [templateIds, withDefault] = ackTemplateParams(candidates.map((c) => c.mailboxId));
    const [result] = await m.query<
      Array<{ created: Array<{ id: string; number: string }>; templates: AckTemplateRow[]; locked: string }>
    >(
      `WITH created AS (
         INSERT INTO tickets (id, number, subject, status, channel, contact_id, mailbox_id, group_id, last_message_at, linked_ticket_id)
         SELECT r.id, COALESCE(r.number, nextval('${TICKET_NUMBER_SEQUENCE}')), r.subject, r.status, r.channel,
                r.contact_id, r.mailbox_id, (SELECT mb.group_id FROM mailboxes mb WHERE mb.id = r.mailbox_id),
                r.last_message_at, r.linked_ticket_id
           FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id uuid, number bigint, subject text,
                status ticket_status, channel channel, contact_id uuid, mailbox_id uuid, last_message_at timestamptz,
                linked_ticket_id uuid)) WITH ORDINALITY AS r(id, number, subject, status, channel, contact_id,
                mailbox_id, last_message_at, linked_ticket_id, ord)
          ORDER BY r.ord
         RETURNING id, number),
       templates AS (${ackTemplatesSql('$2', '$3')})
       SELECT (SELECT coalesce(json_agg(c), '[]'::json) FROM created c) AS created,
              (SELECT coalesce(json_agg(t), '[]'::json) FROM templates t) AS templates,
              ${ackLockSql('$4')} AS locked`,
      [toJson(rows), templateIds, withDefault, lockKeys],
    );
    if (!result) throw new Error('ticket insert returned nothing');
    for (const c of result.created) numbers.set(c.id, Number(c.number));
    if (numbers.size !== rows.length) throw new Error('ticket insert returned fewer rows');
    if (Number(result.locked) !== lockKeys.length) throw new Error('acknowledgement locks not taken');
    return { numbers, templates: ackTemplatesByMailbox(result.templates) };
  }

  private async updateTickets(m: EntityManager, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `UPDATE tickets t
          SET last_message_at = r.last_message_at, updated_at = now(),
              status = CASE WHEN r.reopen THEN $2::ticket_status ELSE t.status END,
              solved_at = CASE WHEN r.reopen THEN NULL ELSE t.solved_at END
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, last_message_at timestamptz, reopen boolean)
        WHERE t.id = r.id`,
      [toJson(rows), TicketStatus.Open],
    );
  }

  /** Acknowledgements for the new tickets (libs/tickets decides; rows and history are added here). */
  private async acknowledgements(
    m: EntityManager,
    candidates: AckCandidate[],
    { numbers, templates }: PreparedTickets,
    history: Row[],
  ): Promise<Array<{ index: number; row: Row }>> {
    if (candidates.length === 0) return [];
    const decisions = await decideAcknowledgements(
      m,
      this.tokens,
      candidates.map((c) => {
        const ticketNumber = numbers.get(c.ticketId);
        if (ticketNumber === undefined) throw new Error('acknowledged ticket has no number');
        return {
          ticketId: c.ticketId,
          ticketNumber,
          contactId: c.contactId,
          contactEmail: c.address,
          parentMessageId: c.inbound.message_id_header as string | null,
          parentReferences: c.inbound.references as string[],
        };
      }),
      this.config.values.ACK_RATE_LIMIT_PER_HOUR,
      true,
    );
    return decisions.flatMap((d, i) => {
      const candidate = candidates[i];
      if (!d.queued || !candidate) return [];
      const msg = d.message;
      // The mailbox's own acknowledgement text, when it has one (else the built-in one).
      const own = templates.get(candidate.mailboxId);
      const bodyText = own
        ? renderAck(
            own,
            {
              mailboxId: candidate.mailboxId,
              customerName: candidate.name,
              customerEmail: candidate.address,
              ticketNumber: numbers.get(candidate.ticketId) ?? 0,
              subject: candidate.subject,
            },
            this.config.values.MAIL_FROM_NAME,
          )
        : msg.bodyText;
      history.push(historyRow(msg.ticketId, ActorType.System, null, 'acknowledgement_queued', 'message', null, msg.id));
      return [
        {
          index: candidate.index,
          row: {
            id: msg.id,
            ticket_id: msg.ticketId,
            direction: MessageDirection.Out,
            internal: false,
            author_user_id: null,
            body_text: bodyText,
            body_html: null,
            message_id_header: msg.messageIdHeader,
            in_reply_to: msg.inReplyTo,
            references: msg.references,
            delivery_status: DeliveryStatus.Queued,
            auto_submitted: true,
          },
        },
      ];
    });
  }

  /** A bounce marks the outbound message it reports on as failed, with a short reason code. */
  private async markBounced(m: EntityManager, ctx: IntakeContext): Promise<void> {
    const bounce = ctx.classificationDetail.bounce;
    if (!bounce?.originalMessageId) return;
    const failed = bounce.recipients.filter((r) => r.reason !== 'delivered');
    if (bounce.recipients.length > 0 && failed.length === 0) return;
    const original = await m.findOne(MessageEntity, {
      where: { messageIdHeader: bounce.originalMessageId, direction: MessageDirection.Out },
    });
    if (!original) return;
    const first = failed[0];
    const permanent = failed.length === 0 || failed.some((r) => r.permanent);
    const reason = `bounced:${permanent ? 'permanent' : 'temporary'}:${first?.reason ?? 'unknown'}${first?.status ? `:${first.status}` : ''}`;
    // A temporary report (delayed) is shown, but the message is failed only when delivery gave up.
    await m.update(
      MessageEntity,
      { id: original.id },
      permanent ? { deliveryStatus: DeliveryStatus.Failed, deliveryError: reason } : { deliveryError: reason },
    );
    await recordHistory(m, {
      ticketId: original.ticketId,
      actorType: ActorType.System,
      actorId: null,
      type: 'message_bounced',
      field: 'delivery_status',
      oldValue: original.deliveryStatus,
      newValue: permanent ? DeliveryStatus.Failed : original.deliveryStatus,
    });
  }

  /** Consent boxes are recorded as given, each purpose on its own; unticked is recorded too. */
  private async recordConsents(m: EntityManager, contactId: string, ctx: IntakeContext): Promise<void> {
    const form = ctx.form;
    if (!form) return;
    const decisions: Array<[ConsentPurpose, boolean]> = [
      [ConsentPurpose.PromotionalEmail, form.consents.promotionalEmail],
      [ConsentPurpose.MarketResearch, form.consents.marketResearch],
    ];
    for (const [purpose, granted] of decisions) {
      if (!granted) continue;
      await m.insert(ConsentEntity, {
        contactId,
        purpose,
        granted,
        source: 'web_form',
        policyVersion: form.policyVersion,
        ipHash: form.ipHash,
      });
    }
  }
}

function historyRow(
  ticketId: string,
  actorType: ActorType,
  actorId: string | null,
  type: string,
  field: string | null,
  oldValue: string | null,
  newValue: string | null,
): Row {
  return {
    ticket_id: ticketId,
    actor_type: actorType,
    actor_id: actorId,
    type,
    field,
    old_value: oldValue,
    new_value: newValue,
  };
}

const INBOUND_MESSAGE_COLUMNS = {
  id: 'uuid',
  ticket_id: 'uuid',
  direction: 'message_direction',
  internal: 'boolean',
  author_contact_id: 'uuid',
  body_text: 'text',
  body_html: 'text',
  body_text_visible: 'text',
  body_text_quoted: 'text',
  classification: 'varchar(16)',
  remote_images_blocked: 'integer',
  message_id_header: 'text',
  in_reply_to: 'text',
  references: 'text[]',
  content_sha256: 'char(64)',
  inbound_message_id: 'uuid',
  created_at: 'timestamptz',
  // Answering (issue 14): offered for reply-all.
  cc: 'text[]',
};

const OUTBOUND_MESSAGE_COLUMNS = {
  id: 'uuid',
  ticket_id: 'uuid',
  direction: 'message_direction',
  internal: 'boolean',
  author_user_id: 'uuid',
  body_text: 'text',
  body_html: 'text',
  message_id_header: 'text',
  in_reply_to: 'text',
  references: 'text[]',
  delivery_status: 'delivery_status',
  auto_submitted: 'boolean',
};

const ATTACHMENT_COLUMNS = {
  id: 'uuid',
  message_id: 'uuid',
  filename: 'text',
  content_type: 'text',
  size: 'bigint',
  sha256: 'char(64)',
  content_id: 'text',
  inline: 'boolean',
  never_inline: 'boolean',
  declared_content_type: 'text',
  storage_key: 'text',
};

const HISTORY_COLUMNS = {
  ticket_id: 'uuid',
  actor_type: 'actor_type',
  actor_id: 'uuid',
  type: 'text',
  field: 'text',
  old_value: 'text',
  new_value: 'text',
};

/**
 * Rows as one JSON parameter. PostgreSQL text cannot hold U+0000 (and jsonb refuses its escape),
 * so a NUL that survived decoding becomes U+FFFD instead of failing the whole batch.
 */
function toJson(rows: Row[]): string {
  return JSON.stringify(rows, (_key, value: unknown) =>
    typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\ufffd') : value,
  );
}

/** Rows for one table, and the columns they fill (see writeAll). */
interface InsertPart {
  table: string;
  columns: Record<string, string>;
  rows: Row[];
  /** Further columns set by an SQL expression, evaluated per row in order (e.g. clock_timestamp()). */
  computed?: Record<string, string>;
}

/**
 * A batch's rows, every table at once, in ONE statement: an INSERT per table and the UPDATE that
 * marks the staging rows processed (their raw bytes dropped), as data-modifying CTEs. Each table's
 * rows travel as one JSON parameter that `jsonb_to_recordset` turns back into typed columns, in
 * order; only the listed columns are written (the rest take their defaults), and every listed key
 * must be present in each row (a missing key would be NULL). Foreign keys are checked at the end
 * of the statement, so an attachment may reference a message inserted beside it.
 */
async function writeAll(
  m: EntityManager,
  parts: InsertPart[],
  processed: Array<{ id: string; ticketId: string; messageId: string }>,
): Promise<void> {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const steps: string[] = [];
  for (const { table, columns, rows, computed = {} } of parts) {
    if (rows.length === 0) continue;
    const names = Object.keys(columns).map((c) => `"${c}"`);
    const types = Object.entries(columns).map(([c, t]) => `"${c}" ${t}`);
    const extra = Object.keys(computed).map((c) => `"${c}"`);
    steps.push(
      `INSERT INTO "${table}" (${[...names, ...extra].join(', ')})
       SELECT ${[...names.map((n) => `r.${n}`), ...Object.values(computed)].join(', ')}
         FROM ROWS FROM (jsonb_to_recordset(${param(toJson(rows))}::jsonb) AS (${types.join(', ')}))
              WITH ORDINALITY AS r(${names.join(', ')}, ord)
        ORDER BY r.ord`,
    );
  }
  if (processed.length > 0) {
    steps.push(
      `UPDATE inbound_messages i
          SET status = ${param(InboundStatus.Processed)}, raw = NULL, reason = NULL, ticket_id = r.ticket_id,
              message_row_id = r.message_id, processed_at = now()
         FROM unnest(${param(processed.map((r) => r.id))}::uuid[], ${param(processed.map((r) => r.ticketId))}::uuid[],
              ${param(processed.map((r) => r.messageId))}::uuid[]) AS r(id, ticket_id, message_id)
        WHERE i.id = r.id`,
    );
  }
  if (steps.length === 0) return;
  await m.query(`WITH ${steps.map((step, i) => `w${i} AS (${step})`).join(',\n')} SELECT 1`, params);
}

/** Keyed hash of an IP for consent records: lets us confirm a claim later without keeping the IP. */
export function hashIp(secret: string, ip: string | undefined): string | null {
  return ip ? hmacHex(secret, 'consent-ip', ip) : null;
}
