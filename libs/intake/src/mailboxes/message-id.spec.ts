import { extractMessageId } from './message-id';

const mail = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'));

describe('extractMessageId', () => {
  it('reads the header, also folded onto the next line', () => {
    expect(extractMessageId(mail('From: a@example.org', 'Message-ID: <one@example.org>', '', 'body'))).toBe(
      '<one@example.org>',
    );
    expect(extractMessageId(mail('Message-Id:', '  <two@example.org>', 'Subject: x', '', 'body'))).toBe(
      '<two@example.org>',
    );
  });

  it('never takes a Message-ID line from the body, with CRLF or bare LF line ends', () => {
    expect(extractMessageId(mail('From: a@example.org', '', 'Message-ID: <body@example.org>'))).toBeNull();
    expect(extractMessageId(Buffer.from('From: a@example.org\n\nMessage-ID: <body@example.org>\n'))).toBeNull();
    expect(extractMessageId(Buffer.from('Message-ID: <lf@example.org>\n\nbody\n'))).toBe('<lf@example.org>');
  });

  it('answers null without the header or with a malformed one', () => {
    expect(extractMessageId(mail('From: a@example.org', '', 'body'))).toBeNull();
    expect(extractMessageId(mail('Message-ID: not-an-id', '', 'body'))).toBeNull();
  });
});
