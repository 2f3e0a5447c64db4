import { UsersService } from '@app/auth';
import { UserRole } from '@app/database';
import { randomUUID } from 'node:crypto';
import type { TestApp } from './test-app';

export interface StaffSession {
  id: string;
  email: string;
  cookie: string;
  csrf: string;
}

/** Creates a member of staff and signs in through the real login endpoint. */
export async function staff(app: TestApp, role: UserRole, name: string): Promise<StaffSession> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}@desk.test`;
  const password = 'correct horse battery staple';
  const user = await app.app.get(UsersService).create({ email, name, role, password });
  const res = await fetch(`${app.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { id: user.id, email, cookie, csrf: csrfToken };
}

export async function createGroup(app: TestApp, name: string, members: string[] = []): Promise<string> {
  const [row] = await app.dataSource.query<Array<{ id: string }>>(
    'INSERT INTO groups (name) VALUES ($1) RETURNING id',
    [name],
  );
  const id = row.id;
  for (const userId of members)
    await app.dataSource.query('INSERT INTO group_members (user_id, group_id) VALUES ($1, $2)', [userId, id]);
  return id;
}

export interface FixtureTicket {
  id: string;
  number: number;
  messageId: string;
  attachmentId: string | null;
}

/** A ticket with one customer message (and optionally one attachment), written with plain SQL. */
export async function createTicket(
  app: TestApp,
  input: {
    subject: string;
    body?: string;
    html?: string | null;
    email?: string;
    groupId?: string | null;
    assigneeId?: string | null;
    status?: string;
    priority?: string;
    attachment?: { filename: string; contentType: string; data: Buffer };
  },
): Promise<FixtureTicket> {
  const email = input.email ?? `c-${randomUUID().slice(0, 8)}@example.org`;
  const [contact] = await app.dataSource.query<Array<{ id: string }>>(
    `INSERT INTO contacts (email, name) VALUES ($1, 'Customer') ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id`,
    [email],
  );
  const [ticket] = await app.dataSource.query<Array<{ id: string; number: string }>>(
    `INSERT INTO tickets (subject, status, priority, channel, contact_id, group_id, assignee_id, last_message_at)
     VALUES ($1, $2, $3, 'email', $4, $5, $6, now()) RETURNING id, number`,
    [
      input.subject,
      input.status ?? 'new',
      input.priority ?? 'normal',
      contact?.id,
      input.groupId ?? null,
      input.assigneeId ?? null,
    ],
  );
  const [message] = await app.dataSource.query<Array<{ id: string }>>(
    `INSERT INTO messages (ticket_id, direction, author_contact_id, body_text, body_html, message_id_header)
     VALUES ($1, 'in', $2, $3, $4, $5) RETURNING id`,
    [ticket?.id, contact?.id, input.body ?? 'Hello', input.html ?? null, `<${randomUUID()}@example.org>`],
  );
  let attachmentId: string | null = null;
  if (input.attachment) {
    const key = randomUUID();
    await app.dataSource.query('INSERT INTO attachment_contents (key, data) VALUES ($1, $2)', [
      key,
      input.attachment.data,
    ]);
    const [a] = await app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO attachments (message_id, filename, content_type, size, sha256, storage_key)
       VALUES ($1, $2, $3, $4, repeat('0', 64), $5) RETURNING id`,
      [message?.id, input.attachment.filename, input.attachment.contentType, input.attachment.data.length, key],
    );
    attachmentId = a?.id ?? null;
  }
  return {
    id: ticket?.id,
    number: Number(ticket?.number),
    messageId: message?.id,
    attachmentId,
  };
}

export function api(app: TestApp, who: StaffSession | null) {
  return async (method: string, path: string, body?: unknown, opts: { csrf?: boolean } = {}): Promise<Response> => {
    const headers: Record<string, string> = {};
    if (who) headers.cookie = who.cookie;
    if (who && method !== 'GET' && opts.csrf !== false) headers['x-csrf-token'] = who.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${app.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };
}
