import { readDeskSettings } from '@app/auth';
import { AuditService } from '@app/audit';
import { hmacHex, isUuid } from '@app/common';
import { AppConfig } from '@app/config';
import { ConsentEntity, ConsentPurpose, ContactEntity } from '@app/database';
import { scopeOf, scopeSql, type StaffActor } from '@app/tickets';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { toAuditActor, type Actor } from '../actor';
import { PrivacyError } from '../privacy.error';
import { currentPrivacyPolicy } from './privacy-policy.service';
import { signWithdrawalToken, verifyWithdrawalToken } from './withdrawal-token';

export const CONSENT_SOURCES = ['web_form', 'portal', 'agent_on_request', 'withdrawal_link'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export interface RecordConsentCommand {
  contactId: string;
  purpose: string;
  granted: boolean;
  source: string;
  ip?: string;
  actor: Actor;
  /**
   * The member of staff recording it through the API. An agent may record decisions only for
   * contacts of tickets they may see; any other contact is "not found", exactly like one that
   * does not exist, so the answer reveals nothing about other contacts.
   */
  staff?: StaffActor;
}

export interface ConsentState {
  purpose: ConsentPurpose;
  granted: boolean;
  source: string;
  policyVersion: string;
  at: Date;
}

/**
 * Consent decisions: append-only, one row per decision, the latest per contact and purpose wins.
 * The IP is kept only as a keyed hash (the same key the web form uses), enough to confirm a later
 * claim about where a decision came from, useless to anyone without the app secret.
 */
@Injectable()
export class ConsentService {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async record(command: RecordConsentCommand): Promise<ConsentState> {
    const purpose = parsePurpose(command.purpose);
    if (!(CONSENT_SOURCES as readonly string[]).includes(command.source)) {
      throw new PrivacyError('invalid_consent', `source must be one of ${CONSENT_SOURCES.join(', ')}`);
    }
    if (!isUuid(command.contactId)) throw new PrivacyError('invalid_id', 'contact id must be a UUID');
    const contact = await this.dataSource.getRepository(ContactEntity).findOne({ where: { id: command.contactId } });
    if (!contact || contact.anonymizedAt || !(await this.maySee(command.staff, contact.id))) {
      throw new PrivacyError('contact_not_found', 'No such contact');
    }
    const policy = await currentPrivacyPolicy(this.dataSource);
    const row = await this.dataSource.getRepository(ConsentEntity).save({
      contactId: contact.id,
      purpose,
      granted: command.granted,
      source: command.source,
      policyVersion: policy?.version ?? 'unknown',
      ipHash: command.ip ? hmacHex(this.config.values.APP_SECRET, 'consent-ip', command.ip) : null,
    });
    await this.audit.record({
      actor: toAuditActor(command.actor),
      action: command.granted ? 'consent.granted' : 'consent.withdrawn',
      target: { type: 'contact', id: contact.id },
      details: { purpose, source: command.source, policyVersion: row.policyVersion },
    });
    return { purpose, granted: row.granted, source: row.source, policyVersion: row.policyVersion, at: row.createdAt };
  }

  /** Whether the member of staff sees a ticket of this contact (always, for supervisors and admins). */
  private async maySee(staff: StaffActor | undefined, contactId: string): Promise<boolean> {
    if (!staff) return true;
    const scope = scopeOf(staff);
    if (scope.kind === 'all') return true;
    const params: unknown[] = [contactId];
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM tickets t WHERE t.contact_id = $1 AND ${scopeSql(scope, (v) => {
        params.push(v);
        return `$${params.length}`;
      })} LIMIT 1`,
      params,
    );
    return rows.length > 0;
  }

  /** The latest decision per purpose for one contact. */
  async state(contactId: string): Promise<ConsentState[]> {
    if (!isUuid(contactId)) throw new PrivacyError('invalid_id', 'contact id must be a UUID');
    const rows = await this.dataSource.query<
      Array<{ purpose: ConsentPurpose; granted: boolean; source: string; policy_version: string; created_at: Date }>
    >(
      `SELECT DISTINCT ON (purpose) purpose, granted, source, policy_version, created_at
         FROM consents WHERE contact_id = $1 ORDER BY purpose, created_at DESC, id DESC`,
      [contactId],
    );
    return rows.map((r) => ({
      purpose: r.purpose,
      granted: r.granted,
      source: r.source,
      policyVersion: r.policy_version,
      at: r.created_at,
    }));
  }

  /**
   * Contacts who consent to a purpose right now: their latest decision for it is "granted" and
   * they still have an address. Nobody else — not those who withdrew, never answered, or were
   * anonymised.
   */
  async consenting(purposeValue: string, options: { limit?: number; after?: string } = {}) {
    const purpose = parsePurpose(purposeValue);
    if (options.after !== undefined && !isUuid(options.after)) {
      throw new PrivacyError('invalid_id', 'after must be the contactId of the last row of the previous page');
    }
    const limit = options.limit ?? 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new PrivacyError('invalid_parameter', 'limit must be a whole number from 1 to 10000');
    }
    const rows = await this.dataSource.query<Array<{ contact_id: string; email: string; since: Date }>>(
      `SELECT l.contact_id, c.email, l.created_at AS since
         FROM (SELECT DISTINCT ON (contact_id) contact_id, granted, created_at
                 FROM consents WHERE purpose = $1 ORDER BY contact_id, created_at DESC, id DESC) l
         JOIN contacts c ON c.id = l.contact_id
        WHERE l.granted AND c.anonymized_at IS NULL AND c.email IS NOT NULL AND l.contact_id > $2::uuid
        ORDER BY l.contact_id LIMIT $3`,
      [purpose, options.after ?? '00000000-0000-0000-0000-000000000000', limit],
    );
    return rows.map((r) => ({ contactId: r.contact_id, email: r.email, since: r.since }));
  }

  /**
   * The link to put in promotional or research mail: works without signing in. On the desk's public
   * URL as an admin set it (set-up screen, Desk & security), else PUBLIC_URL.
   */
  async withdrawalLink(contactId: string, purposeValue: string): Promise<string> {
    const token = signWithdrawalToken(this.config.values.APP_SECRET, contactId, parsePurpose(purposeValue));
    const { publicUrl } = await readDeskSettings(this.dataSource, this.config);
    return `${publicUrl}/support/consent/withdraw?token=${token}`;
  }

  /** Checks a withdrawal token; returns the purpose to show on the confirmation page. */
  checkWithdrawalToken(token: string): { contactId: string; purpose: ConsentPurpose } {
    const parsed = verifyWithdrawalToken(this.config.values.APP_SECRET, token);
    if (!parsed) throw new PrivacyError('invalid_withdrawal_token', 'This link is not valid');
    return parsed;
  }

  async withdrawByToken(token: string, ip: string | undefined): Promise<ConsentPurpose> {
    const { contactId, purpose } = this.checkWithdrawalToken(token);
    const contact = await this.dataSource.getRepository(ContactEntity).findOne({ where: { id: contactId } });
    // An erased contact has nothing left to withdraw; answer the same way so the link reveals nothing.
    if (!contact || contact.anonymizedAt) return purpose;
    await this.record({
      contactId,
      purpose,
      granted: false,
      source: 'withdrawal_link',
      ip,
      actor: `contact:${contactId}`,
    });
    return purpose;
  }
}

export function parsePurpose(value: string): ConsentPurpose {
  if (!(Object.values(ConsentPurpose) as string[]).includes(value)) {
    throw new PrivacyError('invalid_consent', `purpose must be one of ${Object.values(ConsentPurpose).join(', ')}`);
  }
  return value as ConsentPurpose;
}
