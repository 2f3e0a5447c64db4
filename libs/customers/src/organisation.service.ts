import { AuditService, userActor } from '@app/audit';
import { isUuid } from '@app/common';
import { scopeOf, scopeSql, SqlParams, type StaffActor } from '@app/tickets';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { CustomerQueryService, toSummary, type CustomerSummary, type TicketCounts } from './customer-query.service';
import { CustomerError } from './customer.error';

export interface OrganisationSummary {
  id: string;
  name: string;
  domains: string[];
  /** Customers and tickets the viewer may see. */
  customers: number;
  tickets: TicketCounts;
}

export interface OrganisationDetail extends OrganisationSummary {
  members: CustomerSummary[];
}

const DOMAIN = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain such as example.org');

const organisationSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters').optional(),
    domains: z.array(DOMAIN).max(50).optional(),
  })
  .strict();

interface OrgRow {
  id: string;
  name: string;
  domains: string[];
  customers: number;
  total: number;
  open: number;
}

/**
 * Organisations: customers grouped by their company field, or by an email domain an admin
 * assigns. Counts follow ticket visibility: an agent sees an organisation only through customers
 * whose tickets they may open, and only those are counted.
 */
@Injectable()
export class OrganisationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly customers: CustomerQueryService,
    private readonly audit: AuditService,
  ) {}

  async list(q: string | undefined, actor: StaffActor): Promise<OrganisationSummary[]> {
    const p = new SqlParams();
    const text = (q ?? '').trim().toLowerCase().slice(0, 200);
    const filter = text ? `WHERE lower(o.name) LIKE ${p.add(`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}` : '';
    const rows = await this.dataSource.query<OrgRow[]>(
      `SELECT * FROM (${this.rowSql(actor, p)} ${filter}) x
        ${scopeOf(actor).kind === 'all' ? '' : 'WHERE x.customers > 0'} ORDER BY lower(x.name), x.id LIMIT 200`,
      p.values,
    );
    return rows.map(toOrg);
  }

  async get(id: string, actor: StaffActor): Promise<OrganisationDetail> {
    if (!isUuid(id)) throw new CustomerError('organisation_not_found', 'No such organisation');
    const p = new SqlParams();
    const [row] = await this.dataSource.query<OrgRow[]>(`${this.rowSql(actor, p)} WHERE o.id = ${p.add(id)}`, p.values);
    if (!row || (scopeOf(actor).kind !== 'all' && row.customers === 0))
      throw new CustomerError('organisation_not_found', 'No such organisation');
    const mp = new SqlParams();
    const members = await this.dataSource.query<Parameters<typeof toSummary>[0][]>(
      `SELECT * FROM (${this.customers.summarySql(actor, mp)} WHERE c.organisation_id = ${mp.add(id)}) x
        ${scopeOf(actor).kind === 'all' ? '' : 'WHERE x.total > 0'} ORDER BY x.email, x.id LIMIT 500`,
      mp.values,
    );
    return { ...toOrg(row), members: members.map(toSummary) };
  }

  async create(input: unknown, actor: StaffActor): Promise<OrganisationSummary> {
    const data = parse(input);
    if (!data.name)
      throw new CustomerError('invalid_organisation', 'The organisation needs a name', { name: 'is required' });
    const [row] = await this.dataSource.transaction(async (m) => {
      const created = await m.query<Array<{ id: string }>>(
        `INSERT INTO organisations (name, domains) VALUES ($1, $2) ON CONFLICT ((lower(name))) DO NOTHING RETURNING id`,
        [data.name, data.domains ?? []],
      );
      if (!created[0]) throw new CustomerError('organisation_exists', 'An organisation of this name exists');
      await this.claimDomains(m, created[0].id, data.domains ?? []);
      await this.audit.record(
        {
          actor: userActor(actor.id),
          action: 'organisation.created',
          target: { type: 'organisation', id: created[0].id },
          details: { domains: data.domains?.length ?? 0 },
        },
        m,
      );
      return created;
    });
    return this.get(row.id, actor);
  }

  /** Renames and/or sets the domains; contacts without a company whose domain is listed join. */
  async update(id: string, input: unknown, actor: StaffActor): Promise<OrganisationSummary> {
    if (!isUuid(id)) throw new CustomerError('organisation_not_found', 'No such organisation');
    const data = parse(input);
    await this.dataSource.transaction(async (m) => {
      const [before] = await m.query<Array<{ name: string; domains: string[] }>>(
        'SELECT name, domains FROM organisations WHERE id = $1 FOR UPDATE',
        [id],
      );
      if (!before) throw new CustomerError('organisation_not_found', 'No such organisation');
      if (data.name !== undefined) {
        const clash = await m.query<unknown[]>(
          'SELECT 1 FROM organisations WHERE lower(name) = lower($1) AND id <> $2',
          [data.name, id],
        );
        if (clash.length) throw new CustomerError('organisation_exists', 'An organisation of this name exists');
      }
      await m.query(
        'UPDATE organisations SET name = coalesce($2, name), domains = coalesce($3, domains), updated_at = now() WHERE id = $1',
        [id, data.name ?? null, data.domains ?? null],
      );
      if (data.domains) {
        // Contacts that joined through a domain no longer listed leave; newly listed domains join.
        await m.query(
          `UPDATE contacts SET organisation_id = NULL WHERE organisation_id = $1 AND company IS NULL
              AND NOT (split_part(email, '@', 2) = ANY($2::text[]))`,
          [id, data.domains],
        );
        await this.claimDomains(m, id, data.domains);
      }
      await this.audit.record(
        {
          actor: userActor(actor.id),
          action: 'organisation.updated',
          target: { type: 'organisation', id },
          changes: {
            ...(data.name !== undefined ? { name: { before: before.name, after: data.name } } : {}),
            ...(data.domains ? { domains: { before: before.domains, after: data.domains } } : {}),
          },
        },
        m,
      );
    });
    return this.get(id, actor);
  }

  /** Puts a customer into an organisation (by id), or takes them out (null). */
  async assign(contactId: string, organisationId: unknown, actor: StaffActor): Promise<void> {
    if (!isUuid(contactId)) throw new CustomerError('customer_not_found', 'No such customer');
    if (organisationId !== null && (typeof organisationId !== 'string' || !isUuid(organisationId)))
      throw new CustomerError('invalid_organisation', 'organisationId must be an id or null', {
        organisationId: 'must be an id or null',
      });
    await this.dataSource.transaction(async (m) => {
      if (organisationId !== null) {
        const exists = await m.query<unknown[]>('SELECT 1 FROM organisations WHERE id = $1', [organisationId]);
        if (!exists.length) throw new CustomerError('organisation_not_found', 'No such organisation');
      }
      const [before] = await m.query<Array<{ organisation_id: string | null }>>(
        'SELECT organisation_id FROM contacts WHERE id = $1 AND anonymized_at IS NULL FOR UPDATE',
        [contactId],
      );
      if (!before) throw new CustomerError('customer_not_found', 'No such customer');
      await m.query('UPDATE contacts SET organisation_id = $2 WHERE id = $1', [contactId, organisationId]);
      await this.audit.record(
        {
          actor: userActor(actor.id),
          action: 'contact.organisation_set',
          target: { type: 'contact', id: contactId },
          changes: { organisationId: { before: before.organisation_id, after: organisationId } },
        },
        m,
      );
    });
  }

  private async claimDomains(m: { query: DataSource['query'] }, id: string, domains: string[]): Promise<void> {
    if (!domains.length) return;
    await m.query(
      `UPDATE contacts SET organisation_id = $1 WHERE organisation_id IS NULL AND company IS NULL
          AND split_part(email, '@', 2) = ANY($2::text[])`,
      [id, domains],
    );
  }

  private rowSql(actor: StaffActor, p: SqlParams): string {
    const scope = scopeSql(scopeOf(actor), (v) => p.add(v));
    return `SELECT o.id, o.name, o.domains, n.customers, n.total, n.open
      FROM organisations o CROSS JOIN LATERAL (
        SELECT count(DISTINCT t.contact_id)::int AS customers, count(t.id)::int AS total,
               count(t.id) FILTER (WHERE t.status IN ('new','open','pending'))::int AS open
          FROM contacts oc JOIN tickets t ON t.contact_id = oc.id AND ${scope}
         WHERE oc.organisation_id = o.id) n`;
  }
}

function parse(input: unknown): z.output<typeof organisationSchema> {
  const parsed = organisationSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CustomerError('invalid_organisation', 'The organisation has invalid fields', {
      [String(issue?.path[0] ?? 'organisation')]: issue?.message ?? 'is invalid',
    });
  }
  return { ...parsed.data, domains: parsed.data.domains ? [...new Set(parsed.data.domains)] : undefined };
}

function toOrg(row: OrgRow): OrganisationSummary {
  return {
    id: row.id,
    name: row.name,
    domains: row.domains,
    customers: row.customers,
    tickets: { total: row.total, open: row.open },
  };
}
