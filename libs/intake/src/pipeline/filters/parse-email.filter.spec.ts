import iconv from 'iconv-lite';
import { QuarantineError } from '../../intake.error';
import { DEFAULT_MAIL_LIMITS } from '../mime/mime-skeleton';
import { ParserPool } from '../mime/parser-pool';
import { composeMail, emailContext, rawMail } from '../testing-fixtures';
import { ParseEmailFilter } from './parse-email.filter';

const pool = new ParserPool(1);
afterAll(() => pool.close());

async function parse(raw: Buffer, limits = DEFAULT_MAIL_LIMITS) {
  const ctx = emailContext(raw);
  await new ParseEmailFilter(limits, pool).run(ctx);
  return ctx.message!;
}

describe('ParseEmailFilter', () => {
  it('normalises addresses, ids, bodies and attachments of a composed message', async () => {
    const m = await parse(
      await composeMail({
        from: '"Ada Lovelace" <Ada@Example.com>',
        to: 'support@desk.test',
        cc: ['x@example.org'],
        replyTo: 'elsewhere@example.net',
        subject: 'Printer on fire',
        messageId: '<abc@example.com>',
        inReplyTo: '<parent@desk.test>',
        references: ['<root@desk.test>', '<parent@desk.test>'],
        text: 'It is on fire.',
        html: '<p>It is <b>on fire</b>.</p>',
        attachments: [{ filename: 'log.txt', content: 'line 1' }],
      }),
    );
    expect(m.from).toEqual({ address: 'ada@example.com', name: 'Ada Lovelace' });
    expect(m.replyTo).toEqual([{ address: 'elsewhere@example.net', name: null }]);
    expect(m.cc.map((a) => a.address)).toEqual(['x@example.org']);
    expect(m.subject).toBe('Printer on fire');
    expect(m.messageId).toBe('<abc@example.com>');
    expect(m.inReplyTo).toBe('<parent@desk.test>');
    expect(m.references).toEqual(['<root@desk.test>', '<parent@desk.test>']);
    expect(m.text.trim()).toBe('It is on fire.');
    expect(m.html).toContain('<b>on fire</b>');
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0].filename).toBe('log.txt');
    expect(m.attachments[0].content.toString()).toBe('line 1');
  });

  it('decodes a UTF-7 body and subject', async () => {
    const m = await parse(
      rawMail([
        'From: a@example.com',
        'Subject: =?utf-7?Q?Die_Hasen_und_die_Fr+APY-sche?=',
        'Content-Type: text/plain; charset=utf-7',
        '',
        'Die Hasen und die Fr+APY-sche',
      ]),
    );
    expect(m.subject).toBe('Die Hasen und die Frösche');
    expect(m.text.trim()).toBe('Die Hasen und die Frösche');
  });

  it('repairs raw 8-bit headers: UTF-8 sniffed first, then the body charset', async () => {
    const utf8 = await parse(
      Buffer.concat([
        Buffer.from('From: ', 'latin1'),
        Buffer.from('Jürgen Müller <j@example.de>\r\nSubject: Grüße\r\n'),
        Buffer.from('Content-Type: text/plain; charset=iso-8859-1\r\n\r\nhallo\r\n', 'latin1'),
      ]),
    );
    expect(utf8.from).toEqual({ address: 'j@example.de', name: 'Jürgen Müller' });
    expect(utf8.subject).toBe('Grüße');

    const gb = await parse(
      Buffer.concat([
        Buffer.from('From: a@example.cn\r\nSubject: '),
        iconv.encode('关于发票的问题', 'gb18030'),
        Buffer.from('\r\nContent-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
        iconv.encode('你好', 'gb18030'),
      ]),
    );
    expect(gb.subject).toBe('关于发票的问题');
    expect(gb.text.trim()).toBe('你好');
  });

  it('decodes ISO-2022-JP and survives a broken charset declaration', async () => {
    const jp = await parse(
      rawMail([
        'From: a@example.jp',
        'Subject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=',
        'Content-Type: text/plain; charset="x-broken;',
        '',
        'body',
      ]),
    );
    expect(jp.subject).toBe('日本語');
    expect(jp.text.trim()).toBe('body');
  });

  it('quarantines a limit hit before parsing, and a parse over its time budget', async () => {
    const raw = await composeMail({ from: 'a@example.com', subject: 's', text: 'x'.repeat(2_000_000) });
    await expect(parse(raw, { ...DEFAULT_MAIL_LIMITS, maxBytes: 1000 })).rejects.toEqual(
      new QuarantineError('limit_size'),
    );
    await expect(parse(raw, { ...DEFAULT_MAIL_LIMITS, parseTimeoutMs: 1 })).rejects.toEqual(
      new QuarantineError('parse_timeout'),
    );
    // The killed thread is replaced: the next message parses normally.
    const ok = await parse(await composeMail({ from: 'a@example.com', subject: 'after', text: 'fine' }));
    expect(ok.subject).toBe('after');
  });
});
