import { simpleParser, type AddressObject } from 'mailparser';
import type { OutboundMail } from './outbound-mail';
import { plainTextMime } from './plain-text-mime';

const base: OutboundMail = {
  from: { address: 'support@desk.test', name: 'Acme Support' },
  to: 'ada@customer.test',
  replyTo: 'support+t42@desk.test',
  subject: 'Re: Printer on fire [T-42]',
  text: 'Hello,\n\nwe have received your request. Its reference is T-42.\n\nThis is an automatic message.',
  messageId: '<t42.ack@desk.test>',
  inReplyTo: '<question@customer.test>',
  references: ['<first@customer.test>', '<question@customer.test>'],
  autoSubmitted: true,
};

const first = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a[0] : a)?.value[0];

async function roundTrip(mail: OutboundMail) {
  const raw = plainTextMime(mail, new Date('2026-12-07T21:45:00Z'));
  if (raw === null) throw new Error('not built');
  // 7-bit and no line longer than RFC 5322's recommended 78 characters.
  expect([...Buffer.from(raw)].every((byte) => byte < 0x80)).toBe(true);
  for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
  expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  return { raw, parsed: await simpleParser(Buffer.from(raw)) };
}

describe('plainTextMime', () => {
  it('builds an acknowledgement that reads back with every header and the text', async () => {
    const { raw, parsed } = await roundTrip(base);
    expect(first(parsed.from)).toEqual({ address: 'support@desk.test', name: 'Acme Support' });
    expect(first(parsed.to)?.address).toBe('ada@customer.test');
    expect(first(parsed.replyTo)?.address).toBe('support+t42@desk.test');
    expect(parsed.subject).toBe('Re: Printer on fire [T-42]');
    expect(parsed.messageId).toBe('<t42.ack@desk.test>');
    expect(parsed.inReplyTo).toBe('<question@customer.test>');
    expect(parsed.references).toEqual(['<first@customer.test>', '<question@customer.test>']);
    expect(parsed.date?.toISOString()).toBe('2026-12-07T21:45:00.000Z');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
    expect(parsed.headers.get('precedence')).toBe('auto_reply');
    expect(parsed.headers.get('x-loop')).toBe('support@desk.test');
    expect(parsed.headers.get('content-transfer-encoding')).toBe('7bit');
    expect(parsed.text?.trimEnd()).toBe(base.text);
    expect(raw).toContain('\r\nDate: Mon, 07 Dec 2026 21:45:00 +0000\r\n');
  });

  it('encodes a non-ASCII subject, name and text, and folds long lines', async () => {
    const text = `Grüße aus Köln!\n${'Ein sehr langer Satz über Äpfel, Birnen und Zitronen, '.repeat(6)}\n.\nEnde — ✓`;
    const mail: OutboundMail = {
      ...base,
      from: { address: 'support@desk.test', name: 'Kundendienst Müller & Söhne, „Zentrale“' },
      subject: `Re: Bestellung über 3 Kühlschränke — ${'Lieferung verspätet, '.repeat(5)}bitte prüfen`,
      text,
      references: Array.from({ length: 20 }, (_, i) => `<reference-number-${i}@customer.example.org>`),
      autoSubmittedKind: 'auto-generated',
    };
    const { parsed } = await roundTrip(mail);
    expect(first(parsed.from)).toEqual({ address: 'support@desk.test', name: mail.from.name });
    expect(parsed.subject).toBe(mail.subject);
    expect(parsed.text?.trimEnd()).toBe(text);
    expect(parsed.headers.get('content-transfer-encoding')).toBe('quoted-printable');
    expect(parsed.references).toEqual(mail.references);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.headers.get('precedence')).toBe('bulk');
  });

  it('quotes an ASCII display name with specials, and lists several recipients', async () => {
    const mail: OutboundMail = {
      ...base,
      from: { address: 'support@desk.test', name: 'Acme, "The" Desk (EU)' },
      to: ['a@customer.test', 'b@customer.test'],
      autoSubmitted: false,
      inReplyTo: null,
      references: [],
    };
    const { raw, parsed } = await roundTrip(mail);
    expect(first(parsed.from)).toEqual({ address: 'support@desk.test', name: 'Acme, "The" Desk (EU)' });
    const to = Array.isArray(parsed.to) ? parsed.to : [parsed.to];
    expect(to.flatMap((a) => a?.value.map((v) => v.address))).toEqual(['a@customer.test', 'b@customer.test']);
    expect(raw).not.toMatch(/^(Auto-Submitted|Precedence|In-Reply-To|References):/im);
  });

  it('leaves HTML, attachments, Cc and internationalised addresses to nodemailer', () => {
    expect(plainTextMime({ ...base, html: '<p>Hi</p>' })).toBeNull();
    expect(
      plainTextMime({
        ...base,
        attachments: [{ filename: 'a.txt', contentType: 'text/plain', content: Buffer.from('a') }],
      }),
    ).toBeNull();
    expect(plainTextMime({ ...base, cc: ['c@customer.test'] })).toBeNull();
    expect(plainTextMime({ ...base, to: 'jörg@bücher.example' })).toBeNull();
    expect(plainTextMime({ ...base, html: '' })).not.toBeNull();
  });
});
