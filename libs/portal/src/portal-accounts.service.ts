import { hmacHex, randomToken, sha256Hex } from '@app/common';
import { AppConfig } from '@app/config';
import {
  CustomerAccountEmailEntity,
  CustomerAccountEntity,
  CustomerAccountMailEntity,
  CustomerSessionEntity,
  LoginEventEntity,
} from '@app/database';
import { browserFamily, preferredLanguage } from '@app/auth';
import { JobName, QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import argon2 from 'argon2';
import { IsNull, MoreThan, type DataSource, type EntityManager } from 'typeorm';
import { linkTokenMailId, linkTokenMatches } from './link-token';
import { passwordProblem } from './password-policy';
import {
  ACCOUNT_MAILS_PER_HOUR,
  LINK_TTL_MS,
  type AccountMailKind,
  type PortalClient,
  type PortalCustomer,
  type PortalSession,
} from './portal-client';
import { PortalError } from './portal.error';
import { emailField, fieldErrors, registrationSchema } from './registration.schema';

// Verifying against a real hash when nobody matches keeps the timing the same.
const DUMMY_HASH = argon2.hash('intake-portal-timing-equaliser', { type: argon2.argon2id });

const WRONG = 'Email or password is wrong. You can also ask for a sign-in link by email.';

/**
 * Customer accounts: registration, address verification and magic links (both through the outbound
 * queue), password sign-in with the staff rules (per-IP limit in the controller, per-account
 * failure limit here), sessions of their own, and login events in the staff table (same retention).
 *
 * Nothing here tells whether an address has an account: registration, sign-in and link requests
 * answer the same way whatever the address, and a locked account fails like a wrong password. The
 * real user is never locked out: a sign-in link by email works while password attempts are throttled.
 */
@Injectable()
export class PortalAccountsService {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
  ) {}

  async register(body: unknown): Promise<void> {
    const parsed = registrationSchema.safeParse(body ?? {});
    const fields = parsed.success ? {} : fieldErrors(parsed.error);
    const data = parsed.success ? parsed.data : null;
    const raw = (body ?? {}) as Record<string, unknown>;
    if (typeof raw.password === 'string' && !fields.password) {
      const personal = [raw.name, raw.email].filter((v): v is string => typeof v === 'string');
      const problem = passwordProblem(raw.password, personal);
      if (problem) fields.password = problem;
    }
    if (!data || Object.keys(fields).length > 0) {
      throw new PortalError('validation_failed', 'Some fields need another look', fields);
    }
    const owner = await this.verifiedOwner(data.email);
    if (owner) {
      // The address already belongs to an account: no second account, and the answer stays the
      // same. Its owner gets a sign-in link instead (in case they forgot they had registered).
      await this.queueMail(owner.accountId, owner.emailId, 'magic_link');
      return;
    }
    const passwordHash = await argon2.hash(raw.password as string, { type: argon2.argon2id });
    const mailId = await this.dataSource.transaction(async (m) => {
      const account = await m.getRepository(CustomerAccountEntity).save({
        passwordHash,
        contactId: null,
        pendingProfile: {
          name: data.name,
          company: data.company,
          website: data.website,
          phone: data.phone,
          postalAddress: data.postalAddress,
        },
      });
      const email = await m.getRepository(CustomerAccountEmailEntity).save({
        accountId: account.id,
        email: data.email,
        verifiedAt: null,
      });
      return this.recordMail(m, account.id, email.id, 'verify');
    });
    await this.enqueueMail(mailId);
  }

  /** Adds another address to a signed-in account and sends it a verification link. */
  async addEmail(customer: PortalCustomer, body: unknown): Promise<void> {
    const parsed = emailField.safeParse((body as { email?: unknown } | null)?.email);
    if (!parsed.success) {
      throw new PortalError('validation_failed', 'Some fields need another look', {
        email: parsed.error.issues[0]?.message ?? 'is invalid',
      });
    }
    const email = parsed.data;
    const repo = this.dataSource.getRepository(CustomerAccountEmailEntity);
    const existing = await repo.findOne({ where: { accountId: customer.accountId, email } });
    if (existing?.verifiedAt) return;
    // Verified by someone else: answer the same, send nothing (the link could not be used anyway).
    if (await this.verifiedOwner(email)) return;
    const row = existing ?? (await repo.save({ accountId: customer.accountId, email, verifiedAt: null }));
    await this.queueMail(customer.accountId, row.id, 'verify');
  }

  /** Sends a sign-in link to the account of a verified address; silent about unknown addresses. */
  async requestMagicLink(body: unknown): Promise<void> {
    const parsed = emailField.safeParse((body as { email?: unknown } | null)?.email);
    if (!parsed.success) {
      throw new PortalError('validation_failed', 'Some fields need another look', {
        email: parsed.error.issues[0]?.message ?? 'is invalid',
      });
    }
    const owner = await this.verifiedOwner(parsed.data);
    if (owner) await this.queueMail(owner.accountId, owner.emailId, 'magic_link');
  }

  /** Confirms an address from its link (single use) and signs the customer in. */
  async verifyAddress(token: string, client: PortalClient): Promise<PortalSession> {
    const accountId = await this.dataSource.transaction(async (m) => {
      const mail = await this.consumeLink(m, token, 'verify');
      const email = await m
        .getRepository(CustomerAccountEmailEntity)
        .findOne({ where: { id: mail.emailId }, lock: { mode: 'pessimistic_write' } });
      if (!email) throw new PortalError('invalid_link', 'This link is not valid any more');
      if (!email.verifiedAt) {
        // Serialise verifications of the same address: the partial unique index is the last word.
        await m.query(`SELECT pg_advisory_xact_lock(hashtext('portal-email:' || $1))`, [email.email]);
        const taken = await m
          .getRepository(CustomerAccountEmailEntity)
          .exists({ where: { email: email.email, verifiedAt: MoreThan(new Date(0)) } });
        if (taken) throw new PortalError('address_taken', 'This address is already verified for another account');
        await m.update(CustomerAccountEmailEntity, { id: email.id }, { verifiedAt: new Date() });
        await this.linkContact(m, mail.accountId, email.email);
      }
      await this.recordLogin(m, mail.accountId, true, client);
      return mail.accountId;
    });
    return this.openSession(accountId);
  }

  /** Signs in from a magic link (single use, 15 minutes). */
  async signInWithLink(token: string, client: PortalClient): Promise<PortalSession> {
    const accountId = await this.dataSource.transaction(async (m) => {
      const mail = await this.consumeLink(m, token, 'magic_link');
      await this.recordLogin(m, mail.accountId, true, client);
      return mail.accountId;
    });
    return this.openSession(accountId);
  }

  /**
   * Password sign-in with the staff rule (issue 12): after LOGIN_ACCOUNT_FAILURES_PER_15M failures
   * for an address from one IP, that IP is throttled for that address, while the owner signs in
   * from anywhere else or with a sign-in link. Known and unknown addresses are counted, answered
   * and hashed alike (a real argon2 verification every time), so nothing tells who has an account.
   */
  async login(body: unknown, client: PortalClient): Promise<PortalSession> {
    const input = (body ?? {}) as { email?: unknown; password?: unknown };
    const parsedEmail = emailField.safeParse(input.email);
    const email = parsedEmail.success ? parsedEmail.data : '';
    const password = typeof input.password === 'string' && input.password.length <= 1000 ? input.password : '';
    const accountHash = hmacHex(this.config.values.APP_SECRET, 'portal-login-account', email);
    const [accountId, failures] = await Promise.all([
      email ? this.accountForSignIn(email) : Promise.resolve(null),
      this.recentFailures(accountHash, client.ip ?? null),
    ]);
    const account = accountId
      ? await this.dataSource.getRepository(CustomerAccountEntity).findOne({ where: { id: accountId } })
      : null;
    const throttled = failures >= this.config.values.LOGIN_ACCOUNT_FAILURES_PER_15M;
    const usable = account && !throttled ? account : null;
    const ok = await argon2.verify(usable ? usable.passwordHash : await DUMMY_HASH, password || '-');
    if (throttled || !usable || !ok) {
      await this.recordLogin(this.dataSource.manager, account?.id ?? null, false, client, accountHash);
      if (throttled) {
        throw new PortalError(
          'login_throttled',
          'Too many failed sign-ins from here; try again in 15 minutes, or ask for a sign-in link by email.',
        );
      }
      throw new PortalError('invalid_credentials', WRONG);
    }
    await this.recordLogin(this.dataSource.manager, usable.id, true, client, accountHash);
    return this.openSession(usable.id);
  }

  async logout(sessionId: string): Promise<void> {
    await this.dataSource.getRepository(CustomerSessionEntity).delete({ id: sessionId });
  }

  /** The customer behind a portal cookie, or null. Never looks at staff sessions. */
  async authenticate(token: string | undefined): Promise<PortalCustomer | null> {
    if (!token || token.length > 100) return null;
    const [row] = await this.dataSource.query<
      Array<{
        session_id: string;
        csrf_token: string;
        account_id: string;
        contact_id: string | null;
        name: string | null;
        pending_name: string | null;
      }>
    >(
      `SELECT s.id AS session_id, s.csrf_token, a.id AS account_id, a.contact_id, c.name,
              a.pending_profile->>'name' AS pending_name
         FROM customer_sessions s JOIN customer_accounts a ON a.id = s.account_id
         LEFT JOIN contacts c ON c.id = a.contact_id
        WHERE s.token_hash = $1 AND s.expires_at > now()`,
      [sha256Hex(token)],
    );
    if (!row) return null;
    const emails = await this.dataSource.getRepository(CustomerAccountEmailEntity).find({
      where: { accountId: row.account_id },
      order: { createdAt: 'ASC' },
    });
    return {
      accountId: row.account_id,
      sessionId: row.session_id,
      csrfToken: row.csrf_token,
      contactId: row.contact_id,
      name: row.name ?? row.pending_name,
      emails: emails.map((e) => ({ id: e.id, email: e.email, verified: e.verifiedAt !== null })),
    };
  }

  /** Sign-in history of the account: time, success, IP (as retention left it), browser, language. */
  async signInHistory(accountId: string) {
    const rows = await this.dataSource.getRepository(LoginEventEntity).find({
      where: { customerAccountId: accountId },
      order: { createdAt: 'DESC' },
      take: 100,
    });
    return rows.map((r) => ({
      at: r.createdAt,
      success: r.success,
      ip: r.ip,
      browser: r.browser,
      language: r.language,
    }));
  }

  /** Queues a verification or sign-in mail (the job carries the row id only), at most N an hour. */
  private async queueMail(accountId: string, emailId: string, kind: AccountMailKind): Promise<void> {
    await this.enqueueMail(await this.recordMail(this.dataSource.manager, accountId, emailId, kind));
  }

  /** The mail's row, or null over the hourly limit (the caller answers the same either way). */
  private async recordMail(
    m: EntityManager,
    accountId: string,
    emailId: string,
    kind: AccountMailKind,
  ): Promise<string | null> {
    const recent = await m.getRepository(CustomerAccountMailEntity).count({
      where: { accountId, createdAt: MoreThan(new Date(Date.now() - 3600_000)) },
    });
    if (recent >= ACCOUNT_MAILS_PER_HOUR) return null;
    const row = await m.getRepository(CustomerAccountMailEntity).save({
      accountId,
      emailId,
      kind,
      expiresAt: new Date(Math.floor((Date.now() + LINK_TTL_MS[kind]) / 1000) * 1000),
      usedAt: null,
      status: 'queued',
      error: null,
    });
    return row.id;
  }

  /** After the commit only: the worker must find the row. */
  private async enqueueMail(id: string | null): Promise<void> {
    if (!id) return;
    await this.queue.add({ name: JobName.SendPortalMail, data: { portalMailId: id } }, { jobId: `portal-mail-${id}` });
  }

  /** Marks a link used (once) after checking its signature and expiry. */
  private async consumeLink(m: EntityManager, token: string, kind: AccountMailKind) {
    const id = linkTokenMailId(token);
    const invalid = new PortalError('invalid_link', 'This link is not valid any more; ask for a new one');
    if (!id) throw invalid;
    const mail = await m
      .getRepository(CustomerAccountMailEntity)
      .findOne({ where: { id, kind, usedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
    if (
      !mail ||
      mail.expiresAt.getTime() <= Date.now() ||
      !linkTokenMatches(this.config.values.APP_SECRET, token, { mailId: mail.id, kind, expiresAt: mail.expiresAt })
    ) {
      throw invalid;
    }
    await m.update(CustomerAccountMailEntity, { id: mail.id }, { usedAt: new Date() });
    return mail;
  }

  /**
   * The first verified address makes the account's contact: an existing contact of that address
   * (tickets written before registering) or a new one, filled with what the customer registered.
   */
  private async linkContact(m: EntityManager, accountId: string, email: string): Promise<void> {
    const account = await m.getRepository(CustomerAccountEntity).findOneOrFail({ where: { id: accountId } });
    if (account.contactId) return;
    const profile = account.pendingProfile;
    const [contact] = await m.query<Array<{ id: string }>>(
      `INSERT INTO contacts (email, name, company, website, phone, postal_address) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (email) DO UPDATE SET name = COALESCE(EXCLUDED.name, contacts.name),
         company = COALESCE(EXCLUDED.company, contacts.company), website = COALESCE(EXCLUDED.website, contacts.website),
         phone = COALESCE(EXCLUDED.phone, contacts.phone),
         postal_address = COALESCE(EXCLUDED.postal_address, contacts.postal_address), updated_at = now()
       RETURNING id`,
      [
        email,
        profile?.name ?? null,
        profile?.company ?? null,
        profile?.website ?? null,
        profile?.phone ?? null,
        profile?.postalAddress ?? null,
      ],
    );
    if (!contact) throw new Error('contact upsert returned nothing');
    await m.update(CustomerAccountEntity, { id: accountId }, { contactId: contact.id, pendingProfile: null });
  }

  private async verifiedOwner(email: string): Promise<{ accountId: string; emailId: string } | null> {
    const row = await this.dataSource.getRepository(CustomerAccountEmailEntity).findOne({
      where: { email, verifiedAt: MoreThan(new Date(0)) },
    });
    return row ? { accountId: row.accountId, emailId: row.id } : null;
  }

  /** The verified owner of the address, else the newest account that registered with it. */
  private async accountForSignIn(email: string): Promise<string | null> {
    const [row] = await this.dataSource.query<Array<{ account_id: string }>>(
      `SELECT account_id FROM customer_account_emails WHERE email = $1
        ORDER BY (verified_at IS NOT NULL) DESC, created_at DESC LIMIT 1`,
      [email],
    );
    return row?.account_id ?? null;
  }

  private async recentFailures(accountHash: string, ip: string | null): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM login_events
        WHERE account_hash = $1 AND ip IS NOT DISTINCT FROM $2 AND NOT success AND created_at > now() - interval '15 minutes'`,
      [accountHash, ip],
    );
    return Number(row?.n ?? 0);
  }

  private async recordLogin(
    m: EntityManager,
    accountId: string | null,
    success: boolean,
    client: PortalClient,
    accountHash: string | null = null,
  ) {
    await m.getRepository(LoginEventEntity).insert({
      userId: null,
      customerAccountId: accountId,
      accountHash,
      success,
      ip: client.ip ?? null,
      browser: browserFamily(client.userAgent),
      language: preferredLanguage(client.acceptLanguage),
    });
  }

  private async openSession(accountId: string): Promise<PortalSession> {
    const token = randomToken();
    const csrfToken = randomToken(24);
    const expiresAt = new Date(Date.now() + this.config.values.SESSION_TTL_HOURS * 3600_000);
    await this.dataSource
      .getRepository(CustomerSessionEntity)
      .insert({ accountId, tokenHash: sha256Hex(token), csrfToken, expiresAt });
    return { token, csrfToken, expiresAt };
  }
}
