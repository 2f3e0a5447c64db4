import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { detachedInbound } from './inspect-message';
import { createContext, type IntakeContext } from './intake-context';

/** Raw RFC 5322 bytes built by nodemailer's MailComposer — fixtures the team writes, never corpus files. */
export async function composeMail(options: Mail.Options): Promise<Buffer> {
  return new MailComposer({ date: new Date('2026-11-20T10:00:00Z'), ...options }).compile().build();
}

/** Hand-written messages: CRLF line ends from an array of lines. */
export function rawMail(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

export function emailContext(raw: Buffer): IntakeContext {
  return createContext(detachedInbound(), raw);
}
