import { UserRole } from '@app/database';
import { freePort } from '@app/testing';
import { api, createGroup, createTicket, staff, type StaffSession } from './support/inbox-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Walks every operation of the OpenAPI document the server publishes (so a new route is covered
 * the day it is added) as anonymous, agent, supervisor and admin, and sends malformed values for
 * each path parameter, query parameter and top-level body field, plus malformed whole bodies.
 * Bad input must be a 4xx with an error code: never a 5xx, never a hang.
 */
interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: 'path' | 'query' | 'header'; required: boolean }>;
  /** Top-level fields of the documented request body (from its example or properties). */
  bodyFields: string[];
  bodyExample: Record<string, unknown> | null;
  hasBody: boolean;
}

interface Case {
  op: Operation;
  what: string;
  path: string;
  query: string;
  body?: { raw: string; type: string };
}

/** Strings that have broken parsers, UUID casts, number parsing and date parsing elsewhere. */
const BAD_TEXT = [
  'abc',
  '',
  '-1',
  '1e309',
  '99999999999999999999999',
  'T-999999999999999',
  '00000000-0000-0000-0000-00000000000g',
  "' OR 1=1 --",
  '2026-02-30',
  'x'.repeat(3000),
  'a\u0000b',
  '\u202eevil',
  '\ud800',
  // Shaped like the inbox's keyset cursor (base64url of sort|timestamp|id), with an impossible date.
  Buffer.from('updated|2026-02-30 00:00:00+00|00000000-0000-4000-8000-000000000000').toString('base64url'),
];
/** The same, as they travel in a URL (plus encodings that do not decode). */
const BAD_URL = [...BAD_TEXT.map((v) => encodeURIComponent(v.replace('\ud800', '\ufffd'))), '%00', '%FF', '%E0%A4%A'];
const BAD_JSON: unknown[] = [
  null,
  '',
  'abc',
  'a\u0000b',
  '\ud800',
  -1,
  1.5,
  1e308,
  true,
  [],
  ['\u0000'],
  { a: { b: [1, { c: null }] } },
  'x'.repeat(20_000),
  '9999-99-99',
  '00000000-0000-0000-0000-000000000000',
];
const BAD_BODIES: Array<{ raw: string; type: string; what: string }> = [
  { raw: '{"a":', type: 'application/json', what: 'truncated JSON' },
  { raw: '[]', type: 'application/json', what: 'JSON array' },
  { raw: 'null', type: 'application/json', what: 'JSON null' },
  { raw: '"text"', type: 'application/json', what: 'JSON string' },
  { raw: '42', type: 'application/json', what: 'JSON number' },
  { raw: `${'['.repeat(5000)}${']'.repeat(5000)}`, type: 'application/json', what: 'deep JSON' },
  { raw: 'a=1&a=2&b[c]=d', type: 'application/x-www-form-urlencoded', what: 'form body' },
  { raw: '\u0000\u0001binary', type: 'application/octet-stream', what: 'binary body' },
  {
    raw: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n',
    type: 'multipart/form-data',
    what: 'multipart without boundary',
  },
];

function operations(doc: { paths: Record<string, Record<string, RawOperation>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(methods)) {
      const schema = raw.requestBody?.content?.['application/json']?.schema;
      const example = (schema?.example ?? null) as Record<string, unknown> | null;
      const fields = [
        ...new Set([
          ...Object.keys(example && typeof example === 'object' && !Array.isArray(example) ? example : {}),
          ...Object.keys(schema?.properties ?? {}),
        ]),
      ];
      ops.push({
        method: method.toUpperCase(),
        path,
        params: (raw.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: p.required === true })),
        bodyFields: fields,
        bodyExample: example && typeof example === 'object' && !Array.isArray(example) ? example : null,
        hasBody: !!raw.requestBody || ['POST', 'PUT', 'PATCH'].includes(method.toUpperCase()),
      });
    }
  }
  return ops;
}

interface RawOperation {
  parameters?: Array<{ name: string; in: 'path' | 'query' | 'header'; required?: boolean }>;
  requestBody?: {
    content?: Record<string, { schema?: { example?: unknown; properties?: Record<string, unknown> } }>;
  };
}

describe('every route of the OpenAPI document, with malformed input, as every role', () => {
  let app: TestApp;
  let roles: Array<[string, StaffSession | null]>;
  let ops: Operation[];
  /** A valid value per path parameter, by the path's first segment after /api. */
  let valid: (path: string, name: string) => string;

  beforeAll(async () => {
    app = await startTestApp({
      env: { FORM_RATE_LIMIT_PER_HOUR: '100000', LOGIN_RATE_LIMIT_PER_15M: '100000' },
    });
    const agent = await staff(app, UserRole.Agent, 'Walk Agent');
    const supervisor = await staff(app, UserRole.Supervisor, 'Walk Supervisor');
    const admin = await staff(app, UserRole.Admin, 'Walk Admin');
    roles = [
      ['anonymous', null],
      ['agent', agent],
      ['supervisor', supervisor],
      ['admin', admin],
    ];
    const group = await createGroup(app, 'Walkers', [agent.id]);
    const ticket = await createTicket(app, {
      subject: 'Walked',
      groupId: group,
      email: 'walked@example.org',
      attachment: { filename: 'a.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4') },
    });
    const [{ contact_id: contactId }] = await app.dataSource.query<Array<{ contact_id: string }>>(
      'SELECT contact_id FROM tickets WHERE id = $1',
      [ticket.id],
    );
    const canned = (await (
      await api(app, admin)('POST', '/api/canned-replies', { title: 'Walk', body: 'Hi {{customer.name}}' })
    ).json()) as { id: string };
    // A mailbox whose server refuses at once (a closed local port), so "test connection" is quick.
    const [mailbox] = await app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO mailboxes (name, address, host, port, tls, username, password_encrypted)
       VALUES ('Walk', 'walk@desk.test', '127.0.0.1', $1, false, 'u', 'x') RETURNING id`,
      [await freePort()],
    );
    const dsr = (await (
      await api(app, admin)('POST', '/api/privacy/dsr', { type: 'export', contact: contactId })
    ).json()) as { id: string };
    const byPrefix: Record<string, string> = {
      '/api/tickets/': ticket.id,
      '/api/attachments/': ticket.attachmentId!,
      '/api/canned-replies/': canned.id,
      '/api/admin/mailboxes/': mailbox.id,
      '/api/privacy/dsr/': dsr.id,
      '/api/privacy/contacts/': contactId,
    };
    const byName: Record<string, string> = {
      dataClass: 'closed_ticket_content',
      priority: 'urgent',
      ticketId: ticket.id,
      purpose: 'promotional_email',
    };
    valid = (path, name) =>
      byName[name] ??
      Object.entries(byPrefix).find(([prefix]) => path.startsWith(prefix))?.[1] ??
      '00000000-0000-4000-8000-000000000000';

    const doc = (await (await fetch(`${app.baseUrl}/api/docs-json`)).json()) as Parameters<typeof operations>[0];
    ops = operations(doc);
  });

  afterAll(async () => {
    await app?.close();
  });

  function fill(op: Operation, override?: { name: string; value: string }): string {
    return op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
      override?.name === name ? override.value : encodeURIComponent(valid(op.path, name)),
    );
  }

  function requiredQuery(op: Operation, skip?: string): string[] {
    return op.params
      .filter((p) => p.in === 'query' && p.required && p.name !== skip)
      .map((p) => `${p.name}=${encodeURIComponent(valid(op.path, p.name))}`);
  }

  function casesFor(op: Operation): Case[] {
    const cases: Case[] = [];
    const example = op.bodyExample ?? {};
    const json = (value: unknown) => ({ raw: JSON.stringify(value), type: 'application/json' });
    const base = { op, path: fill(op), query: requiredQuery(op).join('&') };
    cases.push({ ...base, what: 'documented example', body: op.hasBody ? json(example) : undefined });
    for (const param of op.params) {
      if (param.in === 'path') {
        for (const value of BAD_URL)
          cases.push({
            ...base,
            what: `path ${param.name}=${value.slice(0, 20)}`,
            path: fill(op, { name: param.name, value }),
          });
      } else if (param.in === 'query') {
        const rest = requiredQuery(op, param.name);
        for (const value of BAD_URL)
          cases.push({
            ...base,
            what: `query ${param.name}=${value.slice(0, 20)}`,
            query: [...rest, `${param.name}=${value}`].join('&'),
          });
        cases.push({
          ...base,
          what: `query ${param.name} twice`,
          query: [...rest, `${param.name}=a`, `${param.name}=b`].join('&'),
        });
        cases.push({ ...base, what: `query ${param.name}[]`, query: [...rest, `${param.name}[x]=a`].join('&') });
      }
    }
    if (op.hasBody) {
      for (const field of op.bodyFields) {
        for (const value of BAD_JSON) {
          cases.push({
            ...base,
            what: `body ${field}=${JSON.stringify(value)?.slice(0, 20)}`,
            body: json({ ...example, [field]: value }),
          });
        }
        const without = { ...example };
        delete without[field];
        cases.push({ ...base, what: `body without ${field}`, body: json(without) });
      }
      for (const b of BAD_BODIES) cases.push({ ...base, what: b.what, body: { raw: b.raw, type: b.type } });
    }
    return cases;
  }

  async function send(
    c: Case,
    who: StaffSession | null,
  ): Promise<{ status: number; cacheControl: string | null; type: string }> {
    const headers: Record<string, string> = {};
    if (who) {
      headers.cookie = who.cookie;
      headers['x-csrf-token'] = who.csrf;
    }
    if (c.body) headers['content-type'] = c.body.type;
    const url = `${app.baseUrl}${c.path}${c.query ? `?${c.query}` : ''}`;
    const res = await fetch(url, {
      method: c.op.method,
      headers,
      body: c.body?.raw,
      signal: AbortSignal.timeout(15_000),
    });
    const type = res.headers.get('content-type') ?? '';
    // The live stream never ends by itself; its status and headers are all there is to check.
    if (type.includes('text/event-stream')) await res.body?.cancel();
    else await res.arrayBuffer();
    return { status: res.status, cacheControl: res.headers.get('cache-control'), type };
  }

  /** Sessions end only through logout, which would sign the role out for the rest of the walk. */
  const forRole = (op: Operation, who: StaffSession | null) => !(who && op.path === '/api/auth/logout');

  it('finds the routes in the document', () => {
    const paths = ops.map((o) => `${o.method} ${o.path}`);
    expect(paths.length).toBeGreaterThan(40);
    expect(paths).toEqual(expect.arrayContaining(['PATCH /api/tickets/{id}', 'GET /api/privacy/stats/daily']));
  });

  it('answers no JSON route with personal data without Cache-Control: no-store', async () => {
    const cacheable: string[] = [];
    for (const [role, who] of roles) {
      for (const op of ops.filter((o) => o.path.startsWith('/api/') && forRole(o, who))) {
        const c = casesFor(op)[0];
        const res = await send(c, who);
        if (res.type.includes('json') && !/no-store/.test(res.cacheControl ?? ''))
          cacheable.push(`${role} ${op.method} ${op.path} → ${res.status} ${res.cacheControl ?? '(none)'}`);
      }
    }
    expect(cacheable).toEqual([]);
  });

  it('never answers a 5xx or hangs', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const [role, who] of roles) {
      const queue = ops.filter((o) => forRole(o, who)).flatMap(casesFor);
      // A few requests at a time: quicker, and concurrent calls are what the server sees anyway.
      const workers = Array.from({ length: 4 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          sent++;
          try {
            const res = await send(c, who);
            if (res.status >= 500) failures.push(`${role} ${c.op.method} ${c.op.path} [${c.what}] → ${res.status}`);
          } catch (error) {
            failures.push(`${role} ${c.op.method} ${c.op.path} [${c.what}] → ${(error as Error).name}`);
          }
        }
      });
      await Promise.all(workers);
    }
    expect(sent).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
  }, 300_000);
});
