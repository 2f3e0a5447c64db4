import { UserRole } from '@app/database';
import { readExportJson } from '@app/portal';
import { startSmtpSink, type SmtpSink } from '@app/testing';
import { createTicket, staff } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { linkFromSink, registeredCustomer, type CustomerAgent } from './portal-client';

/** "My data" in the portal (issue 13): content, download, correction, consents, erasure, sign-ins. */
describe('customer portal: my data', () => {
  let app: TestApp;
  let sink: SmtpSink;
  let customer: CustomerAgent;
  let ticketId: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ worker: true, env: { SMTP_URL: sink.url, LOGIN_RATE_LIMIT_PER_15M: '1000' } });
    ticketId = (
      await createTicket(app, { subject: 'Broken hinge', body: 'My hinge broke', email: 'maria@example.org' })
    ).id;
    customer = await registeredCustomer(app, sink, 'maria@example.org', [], 'Maria Olsen');
  });
  afterAll(async () => {
    await app?.close();
    await sink?.close();
  });

  it('shows everything held (the DSR export content), the policy version and the sign-in history', async () => {
    const res = await customer.request('GET', '/api/portal/data');
    expect(res.status).toBe(200);
    const data = (await res.json()) as {
      profile: { name: string; email: string; company: string; postalAddress: string };
      policyVersion: string;
      consents: Array<{ purpose: string; granted: boolean }>;
      signIns: Array<{ success: boolean; browser: string | null }>;
      record: {
        format: string;
        contact: { email: string; postalAddress: string };
        tickets: Array<{ subject: string }>;
      };
    };
    expect(data.profile).toMatchObject({
      name: 'Maria Olsen',
      email: 'maria@example.org',
      company: 'Holm Freight AB',
      // The registration's postal address, in the profile and in the DSR export content.
      postalAddress: 'Holm Freight AB\nHamngatan 4\n111 47 Stockholm',
    });
    expect(data.record.contact.postalAddress).toBe('Holm Freight AB\nHamngatan 4\n111 47 Stockholm');
    expect(data.policyVersion).toBeTruthy();
    expect(data.consents).toEqual([
      expect.objectContaining({ purpose: 'promotional_email', granted: false }),
      expect.objectContaining({ purpose: 'market_research', granted: false }),
    ]);
    expect(data.signIns.some((s) => s.success)).toBe(true);
    expect(data.record.format).toBe('intake-data-export/1');
    expect(data.record.contact.email).toBe('maria@example.org');
    expect(data.record.tickets.map((t) => t.subject)).toEqual(['Broken hinge']);
    const page = await customer.request('GET', '/portal/data', undefined, { accept: 'text/html' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('My hinge broke');
    expect(html).toContain('>Holm Freight AB\nHamngatan 4\n111 47 Stockholm</textarea>');
  });

  it('downloads the DSR export file', async () => {
    const res = await customer.request('GET', '/api/portal/data/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="intake-export-portal-.*\.tar\.gz"/);
    const doc = readExportJson(Buffer.from(await res.arrayBuffer())) as {
      tickets: Array<{ messages: Array<{ body_text: string }> }>;
    };
    expect(doc.tickets[0]?.messages[0]?.body_text).toBe('My hinge broke');
  });

  it('records a correction through the data-subject request path, visible to staff', async () => {
    const bad = await customer.request('POST', '/api/portal/data/profile', {
      name: '',
      website: 'no site',
      postalAddress: '1\n2\n3\n4\n5\n6\n7',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: Record<string, string> }).fields).toEqual({
      name: 'is required',
      website: 'must be a web address such as https://example.org',
      postalAddress: 'must be at most 6 lines',
    });
    const control = await customer.request('POST', '/api/portal/data/profile', {
      name: 'Maria',
      postalAddress: 'Street\u001b[2J 1',
    });
    expect(((await control.json()) as { fields: Record<string, string> }).fields).toEqual({
      postalAddress: 'must not contain control characters',
    });
    const res = await customer.request('POST', '/api/portal/data/profile', {
      name: 'Maria Olsen-Berg',
      company: 'Berg Hinges',
      website: 'https://berg.example',
      phone: '+47 22 00 00 00',
      postalAddress: '  Berg Hinges\r\nHengselveien 5\r\n\r\n0150 Oslo  ',
    });
    expect(res.status).toBe(204);
    const [contact] = await app.dataSource.query<
      Array<{ name: string; company: string; phone: string; postal_address: string }>
    >(`SELECT name, company, phone, postal_address FROM contacts WHERE email = 'maria@example.org'`);
    expect(contact).toEqual({
      name: 'Maria Olsen-Berg',
      company: 'Berg Hinges',
      phone: '+47 22 00 00 00',
      postal_address: 'Berg Hinges\nHengselveien 5\n0150 Oslo',
    });
    const admin = await staff(app, UserRole.Admin, 'Privacy Admin');
    const list = (await (
      await fetch(`${app.baseUrl}/api/privacy/dsr`, { headers: { cookie: admin.cookie } })
    ).json()) as Array<{
      type: string;
      status: string;
      receivedBy: string;
      fields: string[];
    }>;
    expect(list).toEqual([
      expect.objectContaining({
        type: 'correction',
        status: 'done',
        receivedBy: expect.stringMatching(/^contact:/) as unknown,
      }),
    ]);
    const history = await app.dataSource.query<Array<{ field: string }>>(
      `SELECT field FROM history_events WHERE ticket_id = $1 AND type = 'contact_corrected' ORDER BY field`,
      [ticketId],
    );
    expect(history.map((h) => h.field)).toEqual([
      'contact.company',
      'contact.name',
      'contact.phone',
      'contact.postalAddress',
      'contact.website',
    ]);
  });

  it('grants and withdraws consent per purpose with the policy version', async () => {
    expect(
      (await customer.request('POST', '/api/portal/data/consents', { purpose: 'market_research', granted: true }))
        .status,
    ).toBe(204);
    expect(
      (await customer.request('POST', '/api/portal/data/consents', { purpose: 'market_research', granted: false }))
        .status,
    ).toBe(204);
    expect(
      (await customer.request('POST', '/api/portal/data/consents', { purpose: 'spam', granted: true })).status,
    ).toBe(400);
    const rows = await app.dataSource.query<Array<{ granted: boolean; source: string; policy_version: string }>>(
      `SELECT granted, source, policy_version FROM consents ORDER BY created_at, id`,
    );
    expect(rows.map((r) => [r.granted, r.source])).toEqual([
      [true, 'portal'],
      [false, 'portal'],
    ]);
    expect(rows[0]?.policy_version).toBeTruthy();
  });

  it('files an erasure request for staff (once while open)', async () => {
    expect((await customer.request('POST', '/api/portal/data/erasure', {})).status).toBe(204);
    expect((await customer.request('POST', '/api/portal/data/erasure', {})).status).toBe(204);
    const rows = await app.dataSource.query<Array<{ status: string }>>(
      `SELECT status FROM data_subject_requests WHERE type = 'erasure'`,
    );
    expect(rows).toEqual([{ status: 'received' }]);
  });

  it('adds a second address that shows its tickets once verified', async () => {
    await createTicket(app, { subject: 'From my work address', email: 'maria@work.example' });
    const before = sink.messages.length;
    expect((await customer.request('POST', '/api/portal/data/addresses', { email: 'maria@work.example' })).status).toBe(
      204,
    );
    let list = (await (await customer.request('GET', '/api/portal/requests')).json()) as {
      requests: Array<{ subject: string }>;
    };
    expect(list.requests.map((r) => r.subject)).toEqual(['Broken hinge']);
    const { token } = await linkFromSink(sink, 'maria@work.example', before + 1);
    await customer.preCsrf();
    await customer.signedIn(await customer.request('POST', '/api/portal/verify', { token }));
    list = (await (await customer.request('GET', '/api/portal/requests')).json()) as {
      requests: Array<{ subject: string }>;
    };
    expect(list.requests.map((r) => r.subject).sort()).toEqual(['Broken hinge', 'From my work address']);
  });
});
