import { isUuid } from '@app/common';
import { ActorType, AttachmentStorage, ContactEntity, parseTicketReference, TicketStatus } from '@app/database';
import { PRIVACY_POLICY_VERSION, StageFormRequest, type UploadedFile } from '@app/intake';
import { currentPrivacyPolicy } from '@app/privacy';
import { recordHistory } from '@app/tickets';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import type { PortalCustomer } from './portal-client';
import { PortalError } from './portal.error';
import { fieldErrors } from './registration.schema';

export interface PortalTicketSummary {
  id: string;
  reference: string;
  subject: string;
  status: string;
  channel: string;
  createdAt: Date;
  lastActivityAt: Date;
}

export interface PortalMessage {
  id: string;
  /** `you`: written by the customer (any of their verified addresses); `support`: a reply of the desk. */
  author: 'you' | 'support';
  at: Date;
  text: string;
  attachments: Array<{ id: string; filename: string; contentType: string; size: number }>;
}

export interface PortalTicket extends PortalTicketSummary {
  messages: PortalMessage[];
}

interface TicketRow {
  id: string;
  number: string;
  subject: string;
  status: string;
  channel: string;
  created_at: Date;
  last_message_at: Date;
  contact_id: string;
}

const messageSchema = z.object({
  message: z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .max(100_000, 'must be at most 100000 characters'),
});

const newRequestSchema = messageSchema.extend({
  subject: z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .max(250, 'must be at most 250 characters')
    .refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks'),
  email: z.string().optional(),
});

const TICKET_COLUMNS = `t.id, t.number, t.subject, t.status, t.channel, t.created_at, t.last_message_at, t.contact_id`;

/**
 * The customer's view of their tickets: only tickets of their verified addresses, and in a ticket
 * only what the customer may read — their own messages and the desk's replies, with attachments.
 * Internal notes, automatic mails, other participants' messages and history never leave here.
 * Anything not theirs is "not found", exactly like something that does not exist.
 */
@Injectable()
export class PortalTicketsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: AttachmentStorage,
    private readonly stage: StageFormRequest,
  ) {}

  /**
   * Contacts of the account's verified addresses: by a contact's main address, or by a further one
   * (added by staff, or brought in when two customers were merged).
   */
  async contactIds(customer: PortalCustomer, m: EntityManager = this.dataSource.manager): Promise<string[]> {
    const rows = await m.query<Array<{ id: string }>>(
      `SELECT DISTINCT c.id FROM customer_account_emails e
         JOIN contacts c ON c.email = e.email
          OR c.id IN (SELECT a.contact_id FROM contact_addresses a WHERE a.email = e.email)
        WHERE e.account_id = $1 AND e.verified_at IS NOT NULL AND c.anonymized_at IS NULL`,
      [customer.accountId],
    );
    return rows.map((r) => r.id);
  }

  async list(customer: PortalCustomer): Promise<PortalTicketSummary[]> {
    const contacts = await this.contactIds(customer);
    if (contacts.length === 0) return [];
    const rows = await this.dataSource.query<TicketRow[]>(
      `SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.contact_id = ANY($1::uuid[])
        ORDER BY t.last_message_at DESC, t.id LIMIT 500`,
      [contacts],
    );
    return rows.map(summary);
  }

  async get(customer: PortalCustomer, key: string): Promise<PortalTicket> {
    const contacts = await this.contactIds(customer);
    const ticket = await this.find(this.dataSource.manager, contacts, key);
    const messages = await this.dataSource.query<
      Array<{ id: string; direction: string; created_at: Date; body_text: string; body_text_visible: string | null }>
    >(
      `SELECT id, direction, created_at, body_text, body_text_visible FROM messages
        WHERE ticket_id = $1 AND NOT internal AND (
              (direction = 'out' AND NOT auto_submitted)
           OR (direction = 'in' AND author_contact_id = ANY($2::uuid[])
               AND (classification IS NULL OR classification IN ('normal', 'bulk'))))
        ORDER BY created_at, id`,
      [ticket.id, contacts],
    );
    const attachments = await this.dataSource.query<
      Array<{ id: string; message_id: string; filename: string; content_type: string; size: string }>
    >(
      `SELECT id, message_id, filename, content_type, size FROM attachments
        WHERE message_id = ANY($1::uuid[]) AND storage_key IS NOT NULL ORDER BY filename, id`,
      [messages.map((m) => m.id)],
    );
    return {
      ...summary(ticket),
      messages: messages.map((m) => ({
        id: m.id,
        author: m.direction === 'in' ? 'you' : 'support',
        at: m.created_at,
        text: m.direction === 'in' ? (m.body_text_visible ?? m.body_text) : m.body_text,
        attachments: attachments
          .filter((a) => a.message_id === m.id)
          .map((a) => ({ id: a.id, filename: a.filename, contentType: a.content_type, size: Number(a.size) })),
      })),
    };
  }

  /** An attachment of a message the customer may read; anything else is not found. */
  async attachment(customer: PortalCustomer, attachmentId: string) {
    const notFound = new PortalError('attachment_not_found', 'No such attachment');
    if (!isUuid(attachmentId)) throw notFound;
    const contacts = await this.contactIds(customer);
    if (contacts.length === 0) throw notFound;
    const [row] = await this.dataSource.query<Array<{ filename: string; content_type: string; storage_key: string }>>(
      `SELECT a.filename, a.content_type, a.storage_key FROM attachments a
         JOIN messages m ON m.id = a.message_id JOIN tickets t ON t.id = m.ticket_id
        WHERE a.id = $1 AND a.storage_key IS NOT NULL AND t.contact_id = ANY($2::uuid[]) AND NOT m.internal
          AND ((m.direction = 'out' AND NOT m.auto_submitted) OR (m.direction = 'in' AND m.author_contact_id = ANY($2::uuid[])))`,
      [attachmentId, contacts],
    );
    if (!row) throw notFound;
    const data = await this.storage.get(row.storage_key);
    if (!data) throw notFound;
    return { filename: row.filename, contentType: row.content_type, data };
  }

  /**
   * A reply written in the portal. It takes the web form's path: one staging row (the payload names
   * the ticket), a job with its id only, and the worker commits it in one transaction — a solved
   * ticket reopens, a closed one gets a linked new ticket, exactly as an email reply would.
   */
  async reply(customer: PortalCustomer, key: string, body: unknown, files: UploadedFile[], ip: string | undefined) {
    const parsed = messageSchema.safeParse(body ?? {});
    if (!parsed.success)
      throw new PortalError('validation_failed', 'Some fields need another look', fieldErrors(parsed.error));
    this.stage.checkFiles(files);
    const contacts = await this.contactIds(customer);
    const ticket = await this.find(this.dataSource.manager, contacts, key);
    const contact = await this.dataSource
      .getRepository(ContactEntity)
      .findOneOrFail({ where: { id: ticket.contact_id } });
    await this.stage.stagePayload(
      await this.payload(
        contact.email as string,
        contact.name,
        ticket.subject,
        parsed.data.message,
        files,
        ip,
        ticket.id,
      ),
      false,
    );
    return { reference: `T-${ticket.number}` };
  }

  /** A new request while signed in: from one of the account's verified addresses. */
  async create(customer: PortalCustomer, body: unknown, files: UploadedFile[], ip: string | undefined) {
    const parsed = newRequestSchema.safeParse(body ?? {});
    const verified = customer.emails.filter((e) => e.verified).map((e) => e.email);
    const fields = parsed.success ? {} : fieldErrors(parsed.error);
    const chosen = parsed.success && parsed.data.email ? parsed.data.email.trim().toLowerCase() : verified[0];
    if (!chosen || !verified.includes(chosen)) fields.email = 'must be one of your verified addresses';
    if (!parsed.success || Object.keys(fields).length > 0 || !chosen) {
      throw new PortalError('validation_failed', 'Some fields need another look', fields);
    }
    this.stage.checkFiles(files);
    const contact = await this.dataSource.getRepository(ContactEntity).findOne({ where: { email: chosen } });
    const { ticketNumber } = await this.stage.stagePayload(
      await this.payload(
        chosen,
        contact?.name ?? customer.name,
        parsed.data.subject,
        parsed.data.message,
        files,
        ip,
        null,
      ),
      true,
    );
    return { reference: `T-${ticketNumber}` };
  }

  /** "Solved, thanks" (→ solved) and reopen (solved → open), recorded as the customer's doing. */
  async setStatus(customer: PortalCustomer, key: string, action: 'close' | 'reopen'): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const contacts = await this.contactIds(customer, m);
      const ticket = await this.find(m, contacts, key, true);
      const from = ticket.status as TicketStatus;
      let to: TicketStatus;
      if (action === 'close') {
        if (from === TicketStatus.Solved || from === TicketStatus.Closed) return;
        to = TicketStatus.Solved;
      } else {
        if (from === TicketStatus.Closed) {
          throw new PortalError('invalid_ticket_change', 'A closed request cannot be reopened; write a new one');
        }
        if (from !== TicketStatus.Solved) return;
        to = TicketStatus.Open;
      }
      await m.query(
        `UPDATE tickets SET status = $2::ticket_status, solved_at = CASE WHEN $3::boolean THEN now() ELSE NULL END,
                updated_at = now()
          WHERE id = $1`,
        [ticket.id, to, to === TicketStatus.Solved],
      );
      await recordHistory(m, {
        ticketId: ticket.id,
        actorType: ActorType.Contact,
        actorId: ticket.contact_id,
        type: 'status_changed',
        field: 'status',
        oldValue: from,
        newValue: to,
      });
    });
  }

  private async find(m: EntityManager, contacts: string[], key: string, lock = false): Promise<TicketRow> {
    const notFound = new PortalError('ticket_not_found', 'No such request');
    if (contacts.length === 0 || typeof key !== 'string') throw notFound;
    const number = isUuid(key) ? null : parseTicketReference(key);
    if (!isUuid(key) && number === null) throw notFound;
    const [row] = await m.query<TicketRow[]>(
      `SELECT ${TICKET_COLUMNS} FROM tickets t
        WHERE ${number === null ? 't.id = $1::uuid' : 't.number = $1::bigint'} AND t.contact_id = ANY($2::uuid[])
        ${lock ? 'FOR UPDATE' : ''}`,
      [number === null ? key : number, contacts],
    );
    if (!row) throw notFound;
    return row;
  }

  private async payload(
    email: string,
    name: string | null,
    subject: string,
    message: string,
    files: UploadedFile[],
    ip: string | undefined,
    ticketId: string | null,
  ) {
    return {
      version: 1 as const,
      name: name ?? '',
      email,
      subject,
      message,
      consents: { promotionalEmail: false, marketResearch: false },
      policyVersion: (await currentPrivacyPolicy(this.dataSource))?.version ?? PRIVACY_POLICY_VERSION,
      ipHash: this.stage.ipHash(ip),
      submittedAt: new Date().toISOString(),
      attachments: files.map((f) => ({
        filename: f.originalname,
        contentType: f.mimetype || 'application/octet-stream',
        contentBase64: f.buffer.toString('base64'),
      })),
      portal: { ticketId },
    };
  }
}

function summary(row: TicketRow): PortalTicketSummary {
  return {
    id: row.id,
    reference: `T-${row.number}`,
    subject: row.subject,
    status: row.status,
    channel: row.channel,
    createdAt: row.created_at,
    lastActivityAt: row.last_message_at,
  };
}
