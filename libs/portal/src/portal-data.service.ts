import { AuditService } from '@app/audit';
import { ConsentPurpose, ContactEntity } from '@app/database';
import { ConsentService, currentPrivacyPolicy, DsrExportService, DsrService, type Actor } from '@app/privacy';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { DataSource } from 'typeorm';
import { PortalAccountsService } from './portal-accounts.service';
import type { PortalCustomer } from './portal-client';
import { PortalError } from './portal.error';
import { fieldErrors, profileSchema } from './registration.schema';

export interface MyData {
  profile: {
    name: string | null;
    email: string | null;
    company: string | null;
    website: string | null;
    phone: string | null;
    postalAddress: string | null;
  } | null;
  addresses: Array<{ email: string; verified: boolean }>;
  policyVersion: string | null;
  consents: Array<{ purpose: string; granted: boolean; policyVersion: string | null; at: Date | null }>;
  requests: Array<{ id: string; type: string; status: string; receivedAt: string; dueAt: string }>;
  signIns: Array<{ at: Date; success: boolean; ip: string | null; browser: string | null; language: string | null }>;
  /** The DSR export document (export.json) of the account's contact, customer copy. */
  record: unknown;
}

const PURPOSES = [ConsentPurpose.PromotionalEmail, ConsentPurpose.MarketResearch];

/**
 * "My data": everything held about the signed-in customer (the DSR export's content), its download,
 * corrections through the data-subject-request path (recorded, audited, visible to staff), consents
 * per purpose, and erasure requests — which staff carry out (see README: why not self-service).
 */
@Injectable()
export class PortalDataService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly exporter: DsrExportService,
    private readonly dsr: DsrService,
    private readonly consents: ConsentService,
    private readonly accounts: PortalAccountsService,
    private readonly audit: AuditService,
  ) {}

  async view(customer: PortalCustomer): Promise<MyData> {
    const contact = customer.contactId
      ? await this.dataSource.getRepository(ContactEntity).findOne({ where: { id: customer.contactId } })
      : null;
    const policy = await currentPrivacyPolicy(this.dataSource);
    const state = contact ? await this.consents.state(contact.id) : [];
    const requests = contact ? await this.dsr.list({ contactId: contact.id }) : [];
    const record = contact
      ? readExportJson((await this.exporter.build(contact.id, 'portal-view', { customerCopy: true })).data)
      : null;
    return {
      profile: contact
        ? {
            name: contact.name,
            email: contact.email,
            company: contact.company,
            website: contact.website,
            phone: contact.phone,
            postalAddress: contact.postalAddress,
          }
        : null,
      addresses: customer.emails.map((e) => ({ email: e.email, verified: e.verified })),
      policyVersion: policy?.version ?? null,
      consents: PURPOSES.map((purpose) => {
        const s = state.find((c) => c.purpose === purpose);
        return { purpose, granted: s?.granted ?? false, policyVersion: s?.policyVersion ?? null, at: s?.at ?? null };
      }),
      requests: requests.map((r) => ({
        id: r.id,
        type: r.type,
        status: r.status,
        receivedAt: r.receivedAt,
        dueAt: r.dueAt,
      })),
      signIns: await this.accounts.signInHistory(customer.accountId),
      record,
    };
  }

  /** The DSR export archive (customer copy) of the signed-in customer, audited as a self-service export. */
  async export(customer: PortalCustomer) {
    const contactId = this.contactOf(customer);
    const archive = await this.exporter.build(contactId, `portal-${randomUUID()}`, { customerCopy: true });
    await this.audit.record({
      actor: { type: 'contact', id: contactId },
      action: 'portal.data_exported',
      target: { type: 'contact', id: contactId },
      details: { ...archive.counts },
    });
    return archive;
  }

  /**
   * A correction: a data-subject request of type correction, received from the customer, verified
   * by their signed-in session and carried out at once — so it is tracked, audited and shown on
   * the contact's tickets (history `contact_corrected`) exactly like one staff record.
   */
  async correct(customer: PortalCustomer, body: unknown): Promise<void> {
    const contactId = this.contactOf(customer);
    const parsed = profileSchema.safeParse(body ?? {});
    if (!parsed.success)
      throw new PortalError('validation_failed', 'Some fields need another look', fieldErrors(parsed.error));
    const contact = await this.dataSource.getRepository(ContactEntity).findOneOrFail({ where: { id: contactId } });
    const changes: Record<string, string | null> = {};
    for (const field of ['name', 'company', 'website', 'phone', 'postalAddress'] as const) {
      if (parsed.data[field] !== contact[field]) changes[field] = parsed.data[field] ?? '';
    }
    if (Object.keys(changes).length === 0) return;
    const actor: Actor = `contact:${contactId}`;
    const request = await this.dsr.create({ type: 'correction', contact: contactId, changes, actor });
    await this.dsr.verify(request.id, actor);
    await this.dsr.complete(request.id, actor);
  }

  async setConsent(customer: PortalCustomer, purpose: string, granted: boolean, ip: string | undefined): Promise<void> {
    const contactId = this.contactOf(customer);
    await this.consents.record({ contactId, purpose, granted, source: 'portal', ip, actor: `contact:${contactId}` });
  }

  /** An erasure request for staff to carry out (one open request at a time). */
  async requestErasure(customer: PortalCustomer): Promise<void> {
    const contactId = this.contactOf(customer);
    const open = (await this.dsr.list({ contactId })).some(
      (r) => r.type === 'erasure' && (r.status === 'received' || r.status === 'verified'),
    );
    if (open) return;
    await this.dsr.create({ type: 'erasure', contact: contactId, actor: `contact:${contactId}` });
  }

  private contactOf(customer: PortalCustomer): string {
    if (!customer.contactId) {
      throw new PortalError('validation_failed', 'Confirm your email address first', { email: 'is not verified yet' });
    }
    return customer.contactId;
  }
}

/** export.json, the first entry of the export's tar.gz (ustar: 512-byte header, size in octal). */
export function readExportJson(archive: Buffer): unknown {
  const tar = gunzipSync(archive);
  const size = parseInt(tar.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim(), 8);
  return JSON.parse(tar.subarray(512, 512 + size).toString('utf8')) as unknown;
}
