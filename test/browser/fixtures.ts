import { waitFor, type SmtpSink } from '@app/testing';
import type { TestApp } from '../support/test-app';

/** A hostile email: script, event handler, javascript: links, an SVG with script, a hostile filename. */
export function hostileEmail(): Buffer {
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(2)"><script>alert(3)</script><circle r="5"/></svg>',
  ).toString('base64');
  return Buffer.from(
    [
      'From: Mallory <mallory@example.org>',
      'To: support@intake.localhost',
      'Subject: Hostile content test',
      `Message-ID: <hostile-${Date.now()}-${Math.random().toString(36).slice(2)}@example.org>`,
      'Date: Fri, 27 Nov 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Hello <b>team</b></p><script>alert(1)</script><img src=x onerror=alert(1)>',
      '<a id="js-link" href="javascript:alert(4)">click me</a><iframe src="javascript:alert(5)"></iframe>',
      '--b1',
      'Content-Type: image/svg+xml; name="x.svg"',
      'Content-Disposition: attachment; filename="..\\\\..\\\\evil\\"<img src=x onerror=alert(6)>.svg"',
      'Content-Transfer-Encoding: base64',
      '',
      svg,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

/** A plain customer email with the given Message-ID. */
export function plainEmail(messageId: string): Buffer {
  return Buffer.from(
    [
      'From: Grace Hopper <grace@example.org>',
      'To: support@intake.localhost',
      'Subject: Printer jam',
      `Message-ID: ${messageId}`,
      'Date: Fri, 27 Nov 2026 10:00:00 +0000',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The printer on floor 3 jams on every page.',
      '',
    ].join('\r\n'),
  );
}

/**
 * Waits for the agent's reply (found by a phrase of its text) at the SMTP sink and checks that it
 * goes to the customer, names the ticket in its subject and is threaded under the customer's email.
 */
export async function expectThreadedReplyAtSink(
  app: TestApp,
  sink: SmtpSink,
  phrase: string,
  customerMessageId: string,
): Promise<void> {
  const reply = await waitFor(
    async () => {
      for (const m of sink.messages) {
        const parsed = await m.parsed();
        if (parsed.text?.includes(phrase)) return { m, parsed };
      }
      return undefined;
    },
    { what: 'reply at the SMTP sink', timeoutMs: 20_000 },
  );
  expect(reply.m.to).toEqual(['grace@example.org']);
  const [ticket] = await app.dataSource.query<Array<{ number: string }>>(
    `SELECT number FROM tickets WHERE subject = 'Printer jam'`,
  );
  expect(reply.parsed.subject).toContain(`T-${ticket?.number}`);
  expect(reply.parsed.inReplyTo).toBe(customerMessageId);
  expect(([] as string[]).concat(reply.parsed.references ?? [])).toContain(customerMessageId);
  expect(reply.parsed.messageId).toMatch(/^<.+@.+>$/);
}
