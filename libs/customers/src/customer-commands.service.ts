import { AuditService, userActor as auditUser } from '@app/audit';
import { isUuid } from '@app/common';
import { ActorType } from '@app/database';
import { DsrService, userActor } from '@app/privacy';
import { recordHistory, type StaffActor } from '@app/tickets';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { CustomerError } from './customer.error';

const EDITABLE = ['name', 'company', 'website', 'phone'] as const;

const addressSchema = z
  .object({
    add: z.email({ error: 'must be an email address' }).max(254).optional(),
    remove: z.string().max(254).optional(),
  })
  .strict();

interface ContactLock {
  id: string;
  email: string | null;
  name: string | null;
  company: string | null;
  website: string | null;
  phone: string | null;
  anonymized_at: Date | null;
}

/**
 * Changes to customers by staff. Identity fields go through the data-subject correction workflow
 * (received, verified and completed by the same member of staff), so an edit is recorded, audited
 * and shown in the ticket histories exactly like a correction a customer asked for. Addresses and
 * merges write their own audit entries and history events; none holds an address or name.
 */
@Injectable()
export class CustomerCommandsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dsr: DsrService,
    private readonly audit: AuditService,
  ) {}

  /** Name, company, website, phone (empty text clears). Returns the completed correction's id. */
  async edit(id: string, input: unknown, actor: StaffActor): Promise<{ requestId: string; fields: string[] }> {
    await this.existing(id);
    const body = (input ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(body).filter((k) => !(EDITABLE as readonly string[]).includes(k));
    if (unknown.length)
      throw new CustomerError('invalid_customer', `Only ${EDITABLE.join(', ')} can be edited here`, {
        [unknown[0]]: 'cannot be edited here',
      });
    const who = userActor(actor.id);
    // parseCorrections (inside create) validates every field and refuses an empty change.
    const request = await this.dsr.create({ type: 'correction', contact: id, changes: body, actor: who });
    await this.dsr.verify(request.id, who);
    const done = await this.dsr.complete(request.id, who);
    return { requestId: done.request.id, fields: done.request.fields };
  }

  /** Adds or removes an address; removing the primary one promotes the oldest further address. */
  async addresses(id: string, input: unknown, actor: StaffActor): Promise<void> {
    const parsed = addressSchema.safeParse(input ?? {});
    if (!parsed.success || (!parsed.data.add && !parsed.data.remove)) {
      throw new CustomerError('invalid_customer', 'Give an address to add or one to remove', {
        [String(parsed.error?.issues[0]?.path[0] ?? 'add')]: parsed.error?.issues[0]?.message ?? 'is required',
      });
    }
    const add = parsed.data.add?.trim().toLowerCase();
    const remove = parsed.data.remove?.trim().toLowerCase();
    await this.dataSource.transaction(async (m) => {
      const [contact] = await this.lock(m, [id]);
      if (!contact || contact.anonymized_at) throw new CustomerError('customer_not_found', 'No such customer');
      const fields: string[] = [];
      if (add) {
        const taken = await m.query<unknown[]>(
          `SELECT 1 FROM contacts WHERE email = $1 UNION ALL SELECT 1 FROM contact_addresses WHERE email = $1`,
          [add],
        );
        if (taken.length)
          throw new CustomerError('address_taken', 'This address belongs to a customer already; merge them instead');
        if (contact.email === null) await m.query('UPDATE contacts SET email = $2 WHERE id = $1', [id, add]);
        else await m.query('INSERT INTO contact_addresses (email, contact_id) VALUES ($1, $2)', [add, id]);
        fields.push('address_added');
      }
      if (remove) {
        const further = await m.query<Array<{ email: string }>>(
          'SELECT email FROM contact_addresses WHERE contact_id = $1 ORDER BY created_at, email',
          [id],
        );
        if (remove === contact.email) {
          const next = further[0];
          if (!next) throw new CustomerError('invalid_customer', 'A customer keeps at least one address');
          await m.query('DELETE FROM contact_addresses WHERE email = $1', [next.email]);
          await m.query('UPDATE contacts SET email = $2 WHERE id = $1', [id, next.email]);
        } else {
          if (!further.some((a) => a.email === remove))
            throw new CustomerError('invalid_customer', 'This customer has no such address', { remove: 'not found' });
          await m.query('DELETE FROM contact_addresses WHERE email = $1', [remove]);
        }
        fields.push('address_removed');
      }
      await this.recordOnTickets(m, id, actor, 'contact_corrected', 'contact.addresses');
      await this.audit.record(
        {
          actor: auditUser(actor.id),
          action: 'contact.corrected',
          target: { type: 'contact', id },
          details: { fields },
        },
        m,
      );
    });
  }

  /**
   * Merges `sourceId` into `targetId` (the same person wrote from two addresses): tickets, message
   * authorship, consents, data-subject requests and addresses move to the target, which keeps
   * its own fields and takes the source's where it has none; the source is deleted. Refused when
   * either customer has been erased or has an erasure request open: merging would bring erased
   * or soon-erased data back under a living record.
   */
  async merge(sourceId: string, targetId: unknown, actor: StaffActor): Promise<{ tickets: number }> {
    if (!isUuid(sourceId)) throw new CustomerError('customer_not_found', 'No such customer');
    if (typeof targetId !== 'string' || !isUuid(targetId))
      throw new CustomerError('invalid_customer', 'targetId must be a customer id', { targetId: 'must be an id' });
    if (targetId === sourceId) throw new CustomerError('merge_refused', 'A customer cannot be merged into itself');
    return this.dataSource.transaction(async (m) => {
      const locked = await this.lock(m, [sourceId, targetId]);
      const source = locked.find((c) => c.id === sourceId);
      const target = locked.find((c) => c.id === targetId);
      if (!source || !target) throw new CustomerError('customer_not_found', 'No such customer');
      if (source.anonymized_at || target.anonymized_at)
        throw new CustomerError('merge_refused', 'An erased customer cannot be merged');
      const erasure = await m.query<unknown[]>(
        `SELECT 1 FROM data_subject_requests WHERE contact_id = ANY($1::uuid[]) AND type = 'erasure'
            AND status IN ('received', 'verified') LIMIT 1`,
        [[sourceId, targetId]],
      );
      if (erasure.length)
        throw new CustomerError('merge_refused', 'A customer with an open erasure request cannot be merged');
      // (UPDATE … RETURNING through TypeORM answers [rows, count]: read the ids first.)
      const tickets = await m.query<Array<{ id: string }>>('SELECT id FROM tickets WHERE contact_id = $1', [sourceId]);
      await m.query('UPDATE tickets SET contact_id = $2 WHERE contact_id = $1', [sourceId, targetId]);
      await m.query('UPDATE messages SET author_contact_id = $2 WHERE author_contact_id = $1', [sourceId, targetId]);
      await m.query('UPDATE consents SET contact_id = $2 WHERE contact_id = $1', [sourceId, targetId]);
      await m.query('UPDATE data_subject_requests SET contact_id = $2 WHERE contact_id = $1', [sourceId, targetId]);
      await m.query('UPDATE contact_addresses SET contact_id = $2 WHERE contact_id = $1', [sourceId, targetId]);
      await m.query('DELETE FROM contacts WHERE id = $1', [sourceId]);
      if (source.email)
        await m.query('INSERT INTO contact_addresses (email, contact_id) VALUES ($1, $2)', [source.email, targetId]);
      await m.query(
        `UPDATE contacts SET name = coalesce(name, $2), company = coalesce(company, $3),
                website = coalesce(website, $4), phone = coalesce(phone, $5) WHERE id = $1`,
        [targetId, source.name, source.company, source.website, source.phone],
      );
      for (const t of tickets) {
        await recordHistory(m, {
          ticketId: t.id,
          actorType: ActorType.User,
          actorId: actor.id,
          type: 'contact_merged',
          field: 'contact',
          oldValue: sourceId,
          newValue: targetId,
        });
      }
      await this.recordOnTickets(
        m,
        targetId,
        actor,
        'contact_merged',
        'contact',
        tickets.map((t) => t.id),
      );
      await this.audit.record(
        {
          actor: auditUser(actor.id),
          action: 'contact.merged',
          target: { type: 'contact', id: targetId },
          details: { sourceId, targetId, tickets: tickets.length },
        },
        m,
      );
      return { tickets: tickets.length };
    });
  }

  private async existing(id: string): Promise<void> {
    if (!isUuid(id)) throw new CustomerError('customer_not_found', 'No such customer');
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM contacts WHERE id = $1 AND anonymized_at IS NULL',
      [id],
    );
    if (!rows.length) throw new CustomerError('customer_not_found', 'No such customer');
  }

  private lock(m: EntityManager, ids: string[]): Promise<ContactLock[]> {
    if (!ids.every(isUuid)) throw new CustomerError('customer_not_found', 'No such customer');
    return m.query<ContactLock[]>(
      `SELECT id, email, name, company, website, phone, anonymized_at FROM contacts
        WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
  }

  /** One history event on each of the customer's tickets (except those already given one). */
  private async recordOnTickets(
    m: EntityManager,
    contactId: string,
    actor: StaffActor,
    type: string,
    field: string,
    skip: string[] = [],
  ): Promise<void> {
    const tickets = await m.query<Array<{ id: string }>>(
      'SELECT id FROM tickets WHERE contact_id = $1 AND NOT (id = ANY($2::uuid[]))',
      [contactId, skip],
    );
    for (const t of tickets)
      await recordHistory(m, { ticketId: t.id, actorType: ActorType.User, actorId: actor.id, type, field });
  }
}
