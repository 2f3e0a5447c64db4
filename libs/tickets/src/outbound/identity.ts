import { AgentPreferencesEntity, MailboxEntity } from '@app/database';
import type { EntityManager } from 'typeorm';
import { renderTemplate, type TemplateValues } from '../canned-reply-template';
import { escapeHtml } from './compose-input';

/**
 * The mailbox whose identity answers a ticket: the one it arrived on, else the default outbound
 * mailbox (form tickets, tickets agents open), else none (MAIL_FROM and SMTP_URL).
 */
export async function answeringMailbox(
  m: EntityManager,
  ticketMailboxId: string | null,
): Promise<MailboxEntity | null> {
  if (ticketMailboxId) {
    const own = await m.findOneBy(MailboxEntity, { id: ticketMailboxId });
    if (own) return own;
  }
  return m.findOneBy(MailboxEntity, { defaultOutbound: true });
}

/**
 * The signature block under an agent's reply: the agent's own signature, then the mailbox's, each
 * with placeholders filled. Plain text, `-- ` separated (RFC 3676), and the same as HTML.
 */
export async function signatureBlock(
  m: EntityManager,
  mailbox: MailboxEntity | null,
  agentId: string,
  values: TemplateValues,
): Promise<{ text: string; html: string } | null> {
  const prefs = await m.findOneBy(AgentPreferencesEntity, { userId: agentId });
  const parts = [prefs?.signature, mailbox?.signature]
    .map((s) => s?.trim())
    .filter((s): s is string => !!s)
    .map((s) => renderTemplate(s, values));
  if (parts.length === 0) return null;
  const text = parts.join('\n\n');
  return {
    text: `-- \n${text}`,
    html: `<p>-- <br>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`,
  };
}
