import iconv from 'iconv-lite';
import { inspectMessage } from './inspect-message';
import { ParserPool } from './mime/parser-pool';

/**
 * Synthetic messages written here, each modelled on a defect seen in real mail (issue 15, point
 * 11): a label that cannot be right, or no label at all. The expected text is what a person wrote.
 */
const pool = new ParserPool(1);
afterAll(() => pool.close());

const crlf = (...lines: string[]) => Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1');
const bytes = (text: string, charset: string) => iconv.encode(text, charset);
const inspect = (raw: Buffer) => inspectMessage(raw, { pool });

describe('mislabelled and unlabelled charsets', () => {
  it('reads a body and a subject declared ISO-8859-1 that are really GBK', async () => {
    const subject = bytes('关于我的订单', 'gbk').toString('base64');
    const r = await inspect(
      Buffer.concat([
        crlf(
          'From: li@example.cn',
          'To: support@desk.test',
          `Subject: =?ISO-8859-1?B?${subject}?=`,
          'Message-ID: <gbk-latin1@example.cn>',
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=ISO-8859-1',
          'Content-Transfer-Encoding: 8bit',
          '',
        ),
        bytes('您好，我的订单还没有收到。请帮我查一下，谢谢！', 'gbk'),
        crlf(''),
      ]),
    );
    expect(r.subject).toBe('关于我的订单');
    expect(r.text?.trim()).toBe('您好，我的订单还没有收到。请帮我查一下，谢谢！');
  });

  it('reads Shift_JIS bytes declared ISO-2022-JP (a 7-bit charset: 8-bit bytes prove the label wrong)', async () => {
    const r = await inspect(
      Buffer.concat([
        crlf(
          'From: tanaka@example.jp',
          'To: support@desk.test',
          'Subject: =?ISO-2022-JP?B?GyRCJCpMZCQkOWckbyQ7GyhC?=',
          'Message-ID: <sjis-as-jis@example.jp>',
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=ISO-2022-JP',
          'Content-Transfer-Encoding: 8bit',
          '',
        ),
        bytes('お問い合わせありがとうございます。担当者よりご連絡いたします。', 'shift_jis'),
        crlf(''),
      ]),
    );
    expect(r.subject).toBe('お問い合わせ');
    expect(r.text?.trim()).toBe('お問い合わせありがとうございます。担当者よりご連絡いたします。');
  });

  it('reads raw 8-bit GBK in an attachment name, and an unlabelled GBK body', async () => {
    const name = bytes('发票', 'gbk');
    const r = await inspect(
      Buffer.concat([
        crlf(
          'From: wang@example.cn',
          'To: support@desk.test',
          'Subject: invoice',
          'Message-ID: <gbk-name@example.cn>',
          'MIME-Version: 1.0',
          'Content-Type: multipart/mixed; boundary="b1"',
          '',
          '--b1',
          'Content-Type: text/plain',
          'Content-Transfer-Encoding: 8bit',
          '',
        ),
        bytes('请查收附件中的发票，谢谢。', 'gbk'),
        crlf('', '--b1'),
        Buffer.concat([
          Buffer.from('Content-Type: application/pdf; name="', 'latin1'),
          name,
          Buffer.from('.pdf"\r\nContent-Disposition: attachment; filename="', 'latin1'),
          name,
          Buffer.from('.pdf"\r\n', 'latin1'),
        ]),
        crlf('Content-Transfer-Encoding: base64', '', 'JVBERi0xLjQKJcTl8uXrCg==', '--b1--'),
      ]),
    );
    expect(r.text?.trim()).toBe('请查收附件中的发票，谢谢。');
    expect(r.attachments.map((a) => a.filename)).toEqual(['发票.pdf']);
  });

  it('joins a UTF-7 encoded word split across folded header lines', async () => {
    const r = await inspect(
      crlf(
        'From: hase@example.de',
        'To: support@desk.test',
        'Subject: =?UTF-7?Q?Die_Hasen_und_die_Fr+AP?=',
        ' =?UTF-7?Q?Y-sche?=',
        'Message-ID: <utf7-fold@example.de>',
        '',
        'body',
      ),
    );
    expect(r.subject).toBe('Die Hasen und die Frösche');
  });

  it('does not take 8-bit Western text for Chinese (Turkish and German, unlabelled)', async () => {
    const r = await inspect(
      Buffer.concat([
        Buffer.from('From: ', 'latin1'),
        bytes('Jürgen Müller', 'latin1'),
        crlf(' <jm@example.de>', 'To: support@desk.test'),
        Buffer.from('Subject: ', 'latin1'),
        bytes('Özür dileriz, siparişiniz gecikti', 'windows-1254'),
        crlf('', 'Message-ID: <tr@example.com.tr>', '', 'Merhaba'),
      ]),
    );
    expect(r.subject).toBe('Özür dileriz, siparişiniz gecikti');
    expect(r.from).toEqual({ address: 'jm@example.de', name: 'Jürgen Müller' });
  });

  it('leaves correctly labelled mail as it is', async () => {
    const r = await inspect(
      Buffer.concat([
        crlf(
          'From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.de>',
          'To: support@desk.test',
          'Subject: =?ISO-8859-1?Q?S=FC=DFes_f=FCr_=C4gypten?=',
          'Message-ID: <latin1@example.de>',
          'Content-Type: text/plain; charset=ISO-8859-1',
          'Content-Transfer-Encoding: 8bit',
          '',
        ),
        bytes('Grüße aus München, schöne Süßigkeiten für Ägypten.', 'latin1'),
        crlf(''),
      ]),
    );
    expect(r.from?.name).toBe('Jürgen Müller');
    expect(r.subject).toBe('Süßes für Ägypten');
    expect(r.text?.trim()).toBe('Grüße aus München, schöne Süßigkeiten für Ägypten.');
  });
});
