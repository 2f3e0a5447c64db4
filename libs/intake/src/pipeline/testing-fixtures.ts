import { InboundKind, InboundStatus, type InboundMessageEntity } from '@app/database';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { createContext, type IntakeContext } from './intake-context';

/** Raw RFC 5322 bytes built by nodemailer's MailComposer — fixtures the team writes, never corpus files. */
export async function composeMail(options: Mail.Options): Promise<Buffer> {
  return new MailComposer({ date: new Date('2026-11-20T10:00:00Z'), ...options }).compile().build();
}

/** Hand-written messages: CRLF line ends from an array of lines. */
export function rawMail(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

export function fakeInbound(kind: InboundKind = InboundKind.Email): InboundMessageEntity {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    kind,
    status: InboundStatus.Processing,
    raw: null,
    size: 0,
    sha256: '0'.repeat(64),
    reason: null,
    attempts: 1,
    mailboxId: null,
    uidValidity: null,
    uid: null,
    messageIdHeader: null,
    reservedTicketNumber: null,
    ticketId: null,
    messageRowId: null,
    processedAt: null,
    settledAt: null,
    quarantinedAt: null,
    createdAt: new Date(),
  };
}

export function emailContext(raw: Buffer): IntakeContext {
  return createContext(fakeInbound(), raw);
}
