import libmime from 'libmime';
import libqp from 'libqp';
import { desksOwnHeaders, type OutboundMail } from './outbound-mail';

/**
 * The RFC 5322 message (7-bit text) for a plain-text email without attachments, HTML or Cc — acknowledgements,
 * notifications and sign-in links, most of what the desk sends by itself — or null for anything
 * else, which nodemailer's MailComposer builds. Composing a message of a few hundred bytes took
 * nodemailer about 0.3 ms of CPU (a tree of MIME nodes and a pipeline of streams, with each header
 * key normalised by regular expressions on every lookup): at a few hundred acknowledgements a
 * second, a tenth of the desk's CPU per message (BENCHMARKS.md, M1). Here the encoding is
 * libmime's and libqp's (nodemailer's author's libraries, which mailparser uses to read mail):
 * encoded words for a non-ASCII subject or display name, folded header lines, and quoted-printable
 * when the text is not short 7-bit lines. Addresses must be ASCII (an internationalised one goes
 * to nodemailer, which converts the domain). Header values were checked by toNodemailerOptions
 * (no line breaks or control characters) before this is called.
 */
export function plainTextMime(mail: OutboundMail, date = new Date()): string | null {
  if (mail.html || (mail.attachments?.length ?? 0) > 0 || (mail.cc?.length ?? 0) > 0) return null;
  const to = typeof mail.to === 'string' ? [mail.to] : mail.to;
  if (![mail.from.address, mail.replyTo, ...to].every(isAsciiAddress)) return null;
  const headers: string[] = [
    `From: ${mailbox(mail.from.name, mail.from.address)}`,
    `To: ${to.join(', ')}`,
    `Reply-To: ${mail.replyTo}`,
    `Subject: ${libmime.isPlainText(mail.subject) ? mail.subject : libmime.encodeWords(mail.subject, 'Q', 52)}`,
    `Message-ID: ${mail.messageId}`,
  ];
  if (mail.inReplyTo) headers.push(`In-Reply-To: ${mail.inReplyTo}`);
  if (mail.references.length > 0) headers.push(`References: ${mail.references.join(' ')}`);
  headers.push(`Date: ${date.toUTCString().replace(/GMT$/, '+0000')}`, 'MIME-Version: 1.0');
  for (const [name, value] of Object.entries(desksOwnHeaders(mail))) headers.push(`${name}: ${value}`);
  const text = mail.text.replace(/\r?\n|\r/g, '\r\n');
  const sevenBit = /^[\x20-\x7e\t\r\n]*$/.test(text) && text.split('\r\n').every((line) => line.length <= 76);
  headers.push(
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${sevenBit ? '7bit' : 'quoted-printable'}`,
  );
  const body = sevenBit ? text : libqp.wrap(libqp.encode(Buffer.from(text, 'utf8')), 76);
  const head = headers.map((line) => libmime.foldLines(line, 76).replace(/\r?\n/g, '\r\n')).join('\r\n');
  // Every byte is 7-bit: headers encoded, the body in 7bit or quoted-printable.
  return `${head}\r\n\r\n${body}${body.endsWith('\r\n') ? '' : '\r\n'}`;
}

/** `Name <address>`: the name as an atom phrase, a quoted string, or encoded words. */
function mailbox(name: string, address: string): string {
  if (!name) return address;
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(name)) return `${name} <${address}>`;
  if (libmime.isPlainText(name)) return `"${name.replace(/["\\]/g, '\\$&')}" <${address}>`;
  return `${libmime.encodeWord(name, 'Q', 52)} <${address}>`;
}

function isAsciiAddress(address: string): boolean {
  return /^[\x21-\x7e]+@[\x21-\x7e]+$/.test(address) && !/[<>(),;:"[\]\\\s]/.test(address);
}
