import { AuditService } from '@app/audit';
import { isUuid } from '@app/common';
import { ActorType, ContactEntity, DataSubjectRequestEntity, TicketEntity } from '@app/database';
import { recordHistory } from '@app/tickets';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { toAuditActor, type Actor } from '../actor';
import { ContactDataService } from '../content/contact-data.service';
import { TicketContentService } from '../content/ticket-content.service';
import { PrivacyError } from '../privacy.error';
import { DataClass } from '../retention/retention-classes';
import { RetentionPolicyService } from '../retention/retention-policy.service';
import { parseCorrections } from './dsr-correction';
import { DsrExportService, type ExportArchive } from './dsr-export.service';
import {
  DSR_DUE_DAYS,
  DSR_STATUSES,
  DSR_TYPES,
  toView,
  type Corrections,
  type DsrStatus,
  type DsrType,
  type DsrView,
} from './dsr-types';

export interface CreateDsrCommand {
  type: string;
  /** Contact id, or the address the person wrote from. */
  contact: string;
  changes?: unknown;
  actor: Actor;
}

export interface CompleteOptions {
  /** Erasure: anonymise (default from the inactive-contacts retention rule) or delete. */
  erasureMode?: 'anonymise' | 'delete';
}

export interface CompleteResult {
  request: DsrView;
  archive?: ExportArchive;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Data-subject requests as a tracked workflow: received (due in 30 days) → identity verified →
 * done. Nothing is exported, changed or erased before someone records that they verified the
 * requester's identity. Every step is audited with ids, states and field names only.
 */
@Injectable()
export class DsrService {
  private readonly logger = new Logger(DsrService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly exporter: DsrExportService,
    private readonly content: TicketContentService,
    private readonly contacts: ContactDataService,
    private readonly policies: RetentionPolicyService,
  ) {}

  async create(command: CreateDsrCommand): Promise<DsrView> {
    if (!(DSR_TYPES as readonly string[]).includes(command.type)) {
      throw new PrivacyError('invalid_dsr', `type must be one of ${DSR_TYPES.join(', ')}`);
    }
    const type = command.type as DsrType;
    const contact = await this.findContact(command.contact);
    const changes = type === 'correction' ? parseCorrections(command.changes) : null;
    const now = new Date();
    const row = await this.dataSource.transaction(async (m) => {
      const saved = await m.getRepository(DataSubjectRequestEntity).save({
        type,
        status: 'received',
        contactId: contact.id,
        // Receipt and due date from one instant: the database's own now() differs by a little.
        createdAt: now,
        dueAt: new Date(now.getTime() + DSR_DUE_DAYS * 24 * 3600_000),
        receivedBy: command.actor,
        requestedChanges: changes,
      });
      await this.audit.record(
        {
          actor: toAuditActor(command.actor),
          action: 'dsr.received',
          target: { type: 'data_subject_request', id: saved.id },
          details: { type, contactId: contact.id, fields: changes ? Object.keys(changes) : [] },
        },
        m,
      );
      return saved;
    });
    return toView(row);
  }

  async verify(id: string, actor: Actor): Promise<DsrView> {
    return this.dataSource.transaction(async (m) => {
      const row = await this.lock(m, id);
      if (row.status !== 'received') throw stateError(row.status, 'verify');
      row.status = 'verified';
      row.verifiedAt = new Date();
      row.verifiedBy = actor;
      await m.getRepository(DataSubjectRequestEntity).save(row);
      await this.audit.record(
        { actor: toAuditActor(actor), action: 'dsr.verified', target: { type: 'data_subject_request', id } },
        m,
      );
      return toView(row);
    });
  }

  async reject(
    id: string,
    actor: Actor,
    reason: 'identity_not_verified' | 'duplicate' | 'withdrawn',
  ): Promise<DsrView> {
    return this.dataSource.transaction(async (m) => {
      const row = await this.lock(m, id);
      if (row.status === 'done' || row.status === 'rejected') throw stateError(row.status, 'reject');
      row.status = 'rejected';
      row.completedAt = new Date();
      row.requestedChanges = null;
      row.receipt = { reason };
      await m.getRepository(DataSubjectRequestEntity).save(row);
      await this.audit.record(
        {
          actor: toAuditActor(actor),
          action: 'dsr.rejected',
          target: { type: 'data_subject_request', id },
          details: { reason },
        },
        m,
      );
      return toView(row);
    });
  }

  /** Carries out a verified request. An export returns its archive (it is not kept on the server). */
  async complete(id: string, actor: Actor, options: CompleteOptions = {}): Promise<CompleteResult> {
    const pending = await this.get(id);
    if (pending.status !== 'verified') throw stateError(pending.status, 'complete');
    if (!pending.contactId) throw new PrivacyError('contact_not_found', 'The contact of this request no longer exists');
    if (pending.type === 'export') {
      const archive = await this.exporter.build(pending.contactId, id);
      const request = await this.finish(id, actor, { ...archive.counts, bytes: archive.data.length });
      return { request, archive };
    }
    const mode = options.erasureMode ?? (await this.defaultErasureMode());
    const request = await this.dataSource.transaction(async (m) => {
      const row = await this.lock(m, id);
      if (row.status !== 'verified') throw stateError(row.status, 'complete');
      const contactId = row.contactId as string;
      const receipt =
        row.type === 'correction'
          ? await this.correct(m, contactId, row.requestedChanges ?? {}, actor)
          : await this.erase(m, contactId, mode, actor);
      return this.finish(id, actor, receipt, m);
    });
    this.logger.log({ requestId: id, type: pending.type }, 'data-subject request completed');
    return { request };
  }

  async get(id: string): Promise<DsrView> {
    if (!UUID.test(id)) throw new PrivacyError('dsr_not_found', 'No such request');
    const row = await this.dataSource.getRepository(DataSubjectRequestEntity).findOne({ where: { id } });
    if (!row) throw new PrivacyError('dsr_not_found', 'No such request');
    return toView(row);
  }

  async list(filter: { status?: string; contactId?: string } = {}): Promise<DsrView[]> {
    if (filter.contactId !== undefined && !isUuid(filter.contactId)) {
      throw new PrivacyError('invalid_id', 'contactId must be a UUID');
    }
    if (filter.status !== undefined && !DSR_STATUSES.includes(filter.status as DsrStatus)) {
      throw new PrivacyError('invalid_parameter', `status must be one of ${DSR_STATUSES.join(', ')}`);
    }
    const rows = await this.dataSource.getRepository(DataSubjectRequestEntity).find({
      where: {
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.contactId ? { contactId: filter.contactId } : {}),
      },
      order: { dueAt: 'ASC' },
      take: 500,
    });
    return rows.map((r) => toView(r));
  }

  private async correct(m: EntityManager, contactId: string, changes: Corrections, actor: Actor) {
    const fields = Object.keys(changes).sort();
    const contact = await m
      .getRepository(ContactEntity)
      .findOne({ where: { id: contactId }, lock: { mode: 'pessimistic_write' } });
    if (!contact || contact.anonymizedAt) throw new PrivacyError('contact_not_found', 'No such contact');
    if (changes.email && changes.email !== contact.email) {
      const taken = await m.getRepository(ContactEntity).exists({ where: { email: changes.email } });
      if (taken) throw new PrivacyError('contact_email_taken', 'Another contact has this address; merge them first');
    }
    await m.getRepository(ContactEntity).update({ id: contactId }, changes);
    const tickets = await m.getRepository(TicketEntity).find({ select: { id: true }, where: { contactId } });
    const { actorType, actorId } = historyActor(actor);
    for (const ticket of tickets) {
      for (const field of fields) {
        // Which field changed, never its old or new value.
        await recordHistory(m, {
          ticketId: ticket.id,
          actorType,
          actorId,
          type: 'contact_corrected',
          field: `contact.${field}`,
        });
      }
    }
    await this.audit.record(
      {
        actor: toAuditActor(actor),
        action: 'contact.corrected',
        target: { type: 'contact', id: contactId },
        details: { fields },
      },
      m,
    );
    return { fields, tickets: tickets.length };
  }

  private async erase(m: EntityManager, contactId: string, mode: 'anonymise' | 'delete', actor: Actor) {
    const contact = await m
      .getRepository(ContactEntity)
      .findOne({ where: { id: contactId }, lock: { mode: 'pessimistic_write' } });
    if (!contact) throw new PrivacyError('contact_not_found', 'No such contact');
    // Staged mail not yet committed (queued or quarantined) is found by the address in its bytes.
    const inbound = contact.email
      ? await m.query<[unknown[], number]>(
          `UPDATE inbound_messages SET raw = NULL, message_id_header = NULL
            WHERE raw IS NOT NULL AND status IN ('quarantined', 'received', 'processing')
              AND position($1 in lower(encode(raw, 'escape'))) > 0`,
          [contact.email.toLowerCase()],
        )
      : [[], 0];
    const tickets = await m.query<Array<{ id: string }>>(`SELECT id FROM tickets WHERE contact_id = $1`, [contactId]);
    const ticketIds = tickets.map((t) => t.id);
    let counts: Record<string, number>;
    if (mode === 'delete') {
      counts = { ...(await this.contacts.delete(m, [contactId])) };
    } else {
      const content = await this.content.redactTickets(m, ticketIds, { reason: 'erasure', dropHeaders: true });
      const own = await m.query<Array<{ id: string }>>(
        `SELECT id FROM messages WHERE author_contact_id = $1 AND NOT (ticket_id = ANY($2::uuid[]))`,
        [contactId, ticketIds],
      );
      const elsewhere = await this.content.redactMessages(
        m,
        own.map((r) => r.id),
      );
      const anonymised = await this.contacts.anonymise(m, [contactId]);
      const { actorType, actorId } = historyActor(actor);
      for (const ticketId of ticketIds) {
        await recordHistory(m, { ticketId, actorType, actorId, type: 'contact_erased', field: 'contact' });
      }
      counts = {
        contacts: anonymised.contacts,
        consents: anonymised.consents,
        tickets: ticketIds.length,
        messages: content.messages + elsewhere.messages,
        attachments: content.attachments + elsewhere.attachments,
      };
    }
    const receipt = { mode, ...counts, stagedInbound: Array.isArray(inbound) ? Number(inbound[1] ?? 0) : 0 };
    await this.audit.record(
      {
        actor: toAuditActor(actor),
        action: 'contact.erased',
        target: { type: 'contact', id: contactId },
        details: receipt,
      },
      m,
    );
    return receipt;
  }

  private async finish(
    id: string,
    actor: Actor,
    receipt: Record<string, unknown>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<DsrView> {
    const repo = manager.getRepository(DataSubjectRequestEntity);
    const row = await repo.findOneOrFail({ where: { id } });
    Object.assign(row, { status: 'done', completedAt: new Date(), requestedChanges: null, receipt });
    await repo.save(row);
    await this.audit.record(
      {
        actor: toAuditActor(actor),
        action: 'dsr.completed',
        target: { type: 'data_subject_request', id },
        details: receipt,
      },
      manager,
    );
    return toView(row);
  }

  private async lock(m: EntityManager, id: string): Promise<DataSubjectRequestEntity> {
    if (!UUID.test(id)) throw new PrivacyError('dsr_not_found', 'No such request');
    const row = await m
      .getRepository(DataSubjectRequestEntity)
      .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!row) throw new PrivacyError('dsr_not_found', 'No such request');
    return row;
  }

  private async findContact(ref: string): Promise<ContactEntity> {
    const repo = this.dataSource.getRepository(ContactEntity);
    const trimmed = (ref ?? '').trim();
    const contact = UUID.test(trimmed)
      ? await repo.findOne({ where: { id: trimmed } })
      : await repo.findOne({ where: { email: trimmed.toLowerCase() } });
    if (!contact || contact.anonymizedAt) throw new PrivacyError('contact_not_found', 'No such contact');
    return contact;
  }

  private async defaultErasureMode(): Promise<'anonymise' | 'delete'> {
    const policy = await this.policies.effective();
    return policy.global[DataClass.InactiveContacts].action === 'delete' ? 'delete' : 'anonymise';
  }
}

function stateError(status: string, step: string): PrivacyError {
  return new PrivacyError('dsr_invalid_state', `A request that is ${status} cannot ${step}`);
}

function historyActor(actor: Actor): { actorType: ActorType; actorId: string | null } {
  return actor.startsWith('user:')
    ? { actorType: ActorType.User, actorId: actor.slice(5) }
    : { actorType: ActorType.System, actorId: null };
}
