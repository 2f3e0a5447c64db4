import { inspectMessage } from './inspect-message';
import { ParserPool } from './mime/parser-pool';

/** Synthetic From headers modelled on real mail (issue 15, point 12). */
const pool = new ParserPool(1);
afterAll(() => pool.close());

const message = (...from: string[]) =>
  Buffer.from(
    [...from, 'To: support@desk.test', 'Subject: hello', 'Message-ID: <from-test@example.org>', '', 'body', ''].join(
      '\r\n',
    ),
    'latin1',
  );
const inspect = (...from: string[]) => inspectMessage(message(...from), { pool });

describe('sender addresses', () => {
  it('takes the readable one of two From headers, and says so', async () => {
    const r = await inspect('From: =?utf-8?B?!!!?= <', 'From: Real Person <real@example.org>');
    expect(r.from).toEqual({ address: 'real@example.org', name: 'Real Person' });
    expect(r.quarantineReason).toBeNull();
    expect(r.notes).toContainEqual({
      filter: 'parse-email',
      note: 'From header 1 of 2 is unreadable; used From header 2',
    });
  });

  it('keeps the first of two readable From headers without a note', async () => {
    const r = await inspect('From: First <first@example.org>', 'From: Second <second@example.org>');
    expect(r.from?.address).toBe('first@example.org');
    expect(r.notes).toEqual([]);
  });

  it('takes an RFC 822 comment as the display name of a bare local part', async () => {
    const r = await inspect('From: MAILER-DAEMON (Mail Delivery System)');
    expect(r.from).toEqual({ address: 'mailer-daemon', name: 'Mail Delivery System' });
    expect(r.quarantineReason).toBeNull();
  });

  it('keeps an unquoted display name with spaces out of a bare address', async () => {
    for (const [from, name] of [
      ['From: John Smith john.smith@example.com', 'John Smith'],
      ['From: J\xfcrgen M\xfcller john.smith@example.com', 'Jürgen Müller'],
      ['From: Dr. Anna-Lena Meyer Jr. john.smith@example.com', 'Dr. Anna-Lena Meyer Jr.'],
    ] as const) {
      const r = await inspect(from);
      expect([from, r.from]).toEqual([from, { address: 'john.smith@example.com', name }]);
    }
  });

  it('still finds a sender when the local part is an encoded word', async () => {
    const r = await inspect('From: =?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=@example.org');
    expect(r.from?.address).toBe('テスト@example.org');
    expect(r.quarantineReason).toBeNull();
  });
});
