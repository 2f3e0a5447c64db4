import { ReplyTokens } from '@app/mail';
import { ParserPool } from '../mime/parser-pool';
import { composeMail, emailContext, rawMail } from '../testing-fixtures';
import { ClassifyFilter } from './classify.filter';
import { ownAddressList } from '../classify/own-addresses';
import { ParseEmailFilter } from './parse-email.filter';
import { DEFAULT_MAIL_LIMITS } from '../mime/mime-skeleton';

const pool = new ParserPool(1);
afterAll(() => pool.close());
const tokens = new ReplyTokens('s'.repeat(32), 'support@desk.test');

async function classify(raw: Buffer) {
  const ctx = emailContext(raw);
  await new ParseEmailFilter(DEFAULT_MAIL_LIMITS, pool).run(ctx);
  await new ClassifyFilter(tokens, ownAddressList(['help@other-mailbox.test'])).run(ctx);
  return ctx;
}

describe('ClassifyFilter', () => {
  it('leaves ordinary mail normal, even with "undeliverable" in the subject', async () => {
    const ctx = await classify(
      await composeMail({
        from: 'a@example.com',
        to: 'support@desk.test',
        subject: 'My parcel was undeliverable',
        text: 'Help',
      }),
    );
    expect(ctx.classification).toBe('normal');
  });

  it.each([
    ['Auto-Submitted', 'auto-replied'],
    ['Precedence', 'bulk'],
    ['X-Autoreply', 'yes'],
    ['X-Autorespond', 'yes'],
    ['X-Auto-Response-Suppress', 'All'],
    ['X-Loop', 'desk@example.com'],
  ])('recognises an auto-reply by %s', async (name, value) => {
    const ctx = await classify(
      await composeMail({ from: 'a@example.com', subject: 'Out of office', text: 'away', headers: { [name]: value } }),
    );
    expect(ctx.classification).toBe('auto_reply');
  });

  it.each([
    ['Precedence', 'bulk'],
    ['Precedence', 'list'],
    ['X-Loop', 'alice@procmail.example'],
    ['List-Id', '<customers.lists.example.org>'],
    ['X-Auto-Response-Suppress', 'All'],
  ])('takes a human reply with %s: %s for bulk/list mail, not an auto-reply', async (name, value) => {
    const ctx = await classify(
      await composeMail({
        from: 'a@example.com',
        subject: 'Re: [T-10042] my order',
        text: 'Still broken, see below.',
        headers: { [name]: value },
      }),
    );
    expect(ctx.classification).toBe('bulk');
  });

  it('keeps an RFC 3834 auto-reply an auto-reply even when it also came through a list', async () => {
    const ctx = await classify(
      await composeMail({
        from: 'a@example.com',
        subject: 'Re: my order',
        text: 'I will answer when I am back.',
        headers: { 'Auto-Submitted': 'auto-replied', Precedence: 'list', 'List-Id': '<x.example.org>' },
      }),
    );
    expect(ctx.classification).toBe('auto_reply');
    expect(ctx.classificationDetail.signals).toEqual(['auto_submitted:auto-replied', 'precedence:list', 'list-id']);
  });

  it("takes mail carrying the desk's own address in X-Loop for a loop", async () => {
    const ctx = await classify(
      await composeMail({
        from: 'forwarder@example.com',
        subject: 'Re: [T-10042] my order',
        text: 'forwarded back',
        headers: { 'X-Loop': 'Support <support@desk.test>' },
      }),
    );
    expect(ctx.classification).toBe('loop');
    expect(ctx.classificationDetail.signals).toEqual(['our_x_loop']);
  });

  it('does not take Auto-Submitted: no for an auto-reply', async () => {
    const ctx = await classify(
      await composeMail({ from: 'a@example.com', subject: 'x', text: 'y', headers: { 'Auto-Submitted': 'no' } }),
    );
    expect(ctx.classification).toBe('normal');
  });

  it('reads a DSN: failed recipients, permanence, reason and the original Message-ID', async () => {
    const ctx = await classify(
      rawMail([
        'From: MAILER-DAEMON@mx.example.org',
        'Subject: Delivery Status Notification (Failure)',
        'Content-Type: multipart/report; report-type=delivery-status; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'failed',
        '--b',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example.org',
        '',
        'Final-Recipient: rfc822; gone@example.org',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 user unknown',
        '',
        'Final-Recipient: rfc822; full@example.org',
        'Action: delayed',
        'Status: 4.2.2',
        'Diagnostic-Code: smtp; 452 4.2.2 mailbox full',
        '',
        '--b',
        'Content-Type: message/rfc822',
        '',
        'Message-ID: <orig@desk.test>',
        'Subject: hello',
        '',
        'body',
        '--b--',
      ]),
    );
    expect(ctx.classification).toBe('bounce');
    expect(ctx.classificationDetail.bounce).toEqual({
      originalMessageId: '<orig@desk.test>',
      permanent: false,
      recipients: [
        { address: 'gone@example.org', status: '5.1.1', permanent: true, reason: 'userunknown' },
        { address: 'full@example.org', status: '4.2.2', permanent: false, reason: 'mailboxfull' },
      ],
    });
  });

  it('reads a non-standard (qmail-style) bounce', async () => {
    const ctx = await classify(
      rawMail([
        'From: MAILER-DAEMON@mail.example.net',
        'Subject: failure notice',
        '',
        "Hi. This is the qmail-send program. I'm afraid I wasn't able to deliver your message:",
        '',
        '<nobody@example.net>:',
        'Sorry, no mailbox here by that name. (#5.1.1)',
      ]),
    );
    expect(ctx.classification).toBe('bounce');
    expect(ctx.classificationDetail.bounce?.recipients).toEqual([
      { address: 'nobody@example.net', status: '5.1.1', permanent: true, reason: 'userunknown' },
    ]);
  });

  it('recognises an ARF feedback report', async () => {
    const ctx = await classify(
      rawMail([
        'From: abuse@isp.example',
        'Subject: FW: spam report',
        'Content-Type: multipart/report; report-type=feedback-report; boundary=f',
        '',
        '--f',
        'Content-Type: text/plain',
        '',
        'This is an abuse report',
        '--f',
        'Content-Type: message/feedback-report',
        '',
        'Feedback-Type: abuse',
        'Version: 1',
        '--f--',
      ]),
    );
    expect(ctx.classification).toBe('feedback');
    expect(ctx.classificationDetail.feedbackType).toBe('abuse');
  });

  it('recognises our own outbound mail coming back as a loop', async () => {
    const ctx = await classify(
      await composeMail({ from: 'customer@example.com', subject: 'x', text: 'y', messageId: tokens.messageId(10042) }),
    );
    expect(ctx.classification).toBe('loop');
  });

  it("takes mail from any mailbox's own address (plus-tagged, any case) for a loop", async () => {
    const ctx = await classify(
      await composeMail({ from: 'Help+t5-x@Other-Mailbox.test', subject: 'Hello', text: 'from ourselves' }),
    );
    expect(ctx.classification).toBe('loop');
    expect(ctx.classificationDetail.signals).toEqual(['our_sender']);
    const stranger = await classify(await composeMail({ from: 'help@other.test', subject: 'Hello', text: 'hi' }));
    expect(stranger.classification).toBe('normal');
  });

  it('takes an answer to one of our agent notifications for a loop', async () => {
    const ctx = await classify(
      await composeMail({
        from: 'agent@elsewhere.test',
        subject: 'Re: assigned to you',
        text: 'thanks',
        inReplyTo: tokens.notificationMessageId('0f0e0d0c-0b0a-4908-8706-050403020100'),
      }),
    );
    expect(ctx.classification).toBe('loop');
    expect(ctx.classificationDetail.signals).toContain('our_notification');
  });
});
