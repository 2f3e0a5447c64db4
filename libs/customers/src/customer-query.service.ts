import { isUuid } from '@app/common';
import { customerSearchTerms, contactMatchSql, scopeOf, scopeSql, SqlParams, type StaffActor } from '@app/tickets';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CustomerError } from './customer.error';

export interface TicketCounts {
  /** Tickets the viewer may open; hidden ones are not counted. */
  total: number;
  open: number;
}

export interface CustomerSummary {
  id: string;
  name: string | null;
  email: string | null;
  company: string | null;
  organisation: { id: string; name: string } | null;
  tickets: TicketCounts;
}

export interface CustomerDetail extends CustomerSummary {
  /** Every address, the primary one first. */
  emails: string[];
  website: string | null;
  phone: string | null;
  postalAddress: string | null;
  anonymised: boolean;
  createdAt: string;
  /** Last message on a ticket the viewer may open; null when none. */
  lastContactAt: string | null;
  consents: Array<{ purpose: string; granted: boolean; policyVersion: string; source: string; at: string }>;
}

interface SummaryRow {
  id: string;
  name: string | null;
  email: string | null;
  company: string | null;
  organisation_id: string | null;
  organisation_name: string | null;
  total: number;
  open: number;
  last_contact_at: Date | null;
}

/**
 * Reads customers for staff. Visibility follows the tickets: supervisors and admins see every
 * customer; an agent sees a customer only through a ticket they may open, and every count covers
 * those tickets only, so a customer page never reveals a ticket the viewer cannot open.
 */
@Injectable()
export class CustomerQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async get(id: string, actor: StaffActor): Promise<CustomerDetail> {
    if (!isUuid(id)) throw new CustomerError('customer_not_found', 'No such customer');
    const [summary, details, addressList, consentList] = this.detailQueries(id, actor);
    const rows = await this.dataSource.query<Array<SummaryRow & Record<string, unknown>>>(summary.sql, summary.values);
    const row = rows[0];
    if (!row || !this.visible(row, actor)) throw new CustomerError('customer_not_found', 'No such customer');
    const [extra] = await this.dataSource.query<
      Array<{
        website: string | null;
        phone: string | null;
        postal_address: string | null;
        anonymized_at: Date | null;
        created_at: Date;
      }>
    >(details.sql, details.values);
    const addresses = await this.dataSource.query<Array<{ email: string }>>(addressList.sql, addressList.values);
    const consents = await this.dataSource.query<
      Array<{ purpose: string; granted: boolean; policy_version: string; source: string; created_at: Date }>
    >(consentList.sql, consentList.values);
    return {
      ...toSummary(row),
      emails: [...(row.email ? [row.email] : []), ...addresses.map((a) => a.email)],
      website: extra?.website ?? null,
      phone: extra?.phone ?? null,
      postalAddress: extra?.postal_address ?? null,
      anonymised: extra?.anonymized_at != null,
      createdAt: (extra?.created_at ?? new Date()).toISOString(),
      lastContactAt: row.last_contact_at?.toISOString() ?? null,
      consents: consents.map((c) => ({
        purpose: c.purpose,
        granted: c.granted,
        policyVersion: c.policy_version,
        source: c.source,
        at: c.created_at.toISOString(),
      })),
    };
  }

  /**
   * The statements of a customer page's header, in the order get() runs them: summary with the
   * viewer's counts, details, addresses, latest consent per purpose (public so the reports
   * benchmark can time them bare).
   */
  detailQueries(id: string, actor: StaffActor): Array<{ sql: string; values: unknown[] }> {
    const p = new SqlParams();
    const summary = `${this.summarySql(actor, p)} WHERE c.id = ${p.add(id)}`;
    return [
      { sql: summary, values: p.values },
      {
        sql: 'SELECT website, phone, postal_address, anonymized_at, created_at FROM contacts WHERE id = $1',
        values: [id],
      },
      { sql: 'SELECT email FROM contact_addresses WHERE contact_id = $1 ORDER BY created_at, email', values: [id] },
      {
        sql: `SELECT DISTINCT ON (purpose) purpose, granted, policy_version, source, created_at FROM consents
          WHERE contact_id = $1 ORDER BY purpose, created_at DESC`,
        values: [id],
      },
    ];
  }

  /**
   * Customers matching what was typed (any part of an address, name, company or organisation),
   * most tickets first; without a query, the customers created last.
   */
  async search(q: string | undefined, actor: StaffActor, limit = 10): Promise<CustomerSummary[]> {
    const query = this.searchQuery(q, actor, limit);
    if (!query) return [];
    const rows = await this.dataSource.query<SummaryRow[]>(query.sql, query.values);
    return rows.map(toSummary);
  }

  /** The SQL of a customer search (public so the inbox benchmark can time it bare); null: nothing to find. */
  searchQuery(q: string | undefined, actor: StaffActor, limit = 10): { sql: string; values: unknown[] } | null {
    const p = new SqlParams();
    const text = (q ?? '').trim().slice(0, 200);
    const terms = customerSearchTerms(text);
    if (text && terms.length === 0) return null;
    const scope = scopeOf(actor);
    const conditions = terms.length ? [`c.id IN (${contactMatchSql(terms, (v) => p.add(v))})`] : [];
    if (scope.kind !== 'all')
      conditions.push(
        `EXISTS (SELECT 1 FROM tickets t WHERE t.contact_id = c.id AND ${scopeSql(scope, (v) => p.add(v))})`,
      );
    // Pick the page first (by address, or newest without a query), then count tickets for it only.
    const order = terms.length ? 'c.email, c.id' : 'c.created_at DESC, c.id';
    const page = `SELECT c.id FROM contacts c ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY ${order} LIMIT ${Math.min(Math.max(1, Math.floor(limit)), 50)}`;
    return { sql: `${this.summarySql(actor, p)} WHERE c.id IN (${page}) ORDER BY ${order}`, values: p.values };
  }

  /** One row per contact with the viewer's ticket counts (a lateral count per contact). */
  summarySql(actor: StaffActor, p: SqlParams, extraColumns = ''): string {
    const scope = scopeSql(scopeOf(actor), (v) => p.add(v));
    return `SELECT c.id, c.name, c.email, c.company, c.organisation_id, o.name AS organisation_name,
        n.total, n.open, n.last_contact_at${extraColumns}
      FROM contacts c
      LEFT JOIN organisations o ON o.id = c.organisation_id
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS total, count(*) FILTER (WHERE t.status IN ('new','open','pending'))::int AS open,
               max(t.last_message_at) AS last_contact_at
          FROM tickets t WHERE t.contact_id = c.id AND ${scope}) n`;
  }

  private visible(row: SummaryRow, actor: StaffActor): boolean {
    return scopeOf(actor).kind === 'all' || row.total > 0;
  }
}

export function toSummary(row: SummaryRow): CustomerSummary {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    company: row.company,
    organisation: row.organisation_id ? { id: row.organisation_id, name: row.organisation_name ?? '' } : null,
    tickets: { total: row.total, open: row.open },
  };
}
