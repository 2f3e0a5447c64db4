import { waitFor } from '@app/testing';
import type { StaffSession } from '../../support/inbox-fixtures';
import type { TestApp } from '../../support/test-app';

/** A JSON call as a signed-in member of staff (session cookie + CSRF header). */
export async function call(
  app: TestApp,
  who: StaffSession,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${app.baseUrl}${path}`, {
    method,
    headers: {
      cookie: who.cookie,
      'x-csrf-token': who.csrf,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Submits the public web form and waits until the worker committed the ticket. */
export async function submitForm(
  app: TestApp,
  form: Record<string, string | boolean>,
  attachment?: { filename: string; data: Buffer },
): Promise<{ ticketId: string; contactId: string }> {
  const body = new FormData();
  for (const [k, v] of Object.entries(form)) body.append(k, String(v));
  if (attachment) body.append('attachments', new Blob([attachment.data]), attachment.filename);
  const res = await fetch(`${app.baseUrl}/api/requests`, { method: 'POST', body });
  if (res.status !== 202) throw new Error(`form answered ${res.status}`);
  const { reference } = (await res.json()) as { reference: string };
  const number = Number(reference.slice(2));
  return waitFor(
    async () => {
      const rows = await app.dataSource.query<Array<{ id: string; contact_id: string }>>(
        `SELECT id, contact_id FROM tickets WHERE number = $1`,
        [number],
      );
      return rows[0] ? { ticketId: rows[0].id, contactId: rows[0].contact_id } : undefined;
    },
    { what: `ticket ${reference}` },
  );
}
