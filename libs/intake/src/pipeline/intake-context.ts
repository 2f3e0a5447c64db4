import type { InboundMessageEntity } from '@app/database';
import type { FormPayload } from '../form/form-payload';

export interface Address {
  address: string;
  name: string | null;
}

export interface InboundAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  contentId: string | null;
  inline: boolean;
}

/** The message in one shape, whether it came by email or through the web form. */
export interface NormalizedMessage {
  from: Address | null;
  replyTo: Address[];
  to: Address[];
  cc: Address[];
  subject: string;
  text: string;
  /** As received; only `sanitizedHtml` is ever stored or shown. */
  html: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  date: Date | null;
  headers: Map<string, string[]>;
  attachments: InboundAttachment[];
}

export type Classification = 'normal' | 'auto_reply' | 'bounce' | 'loop';

export interface ThreadDecision {
  /** null: start a new ticket. */
  ticketId: string | null;
  reason: string;
}

/**
 * Typed state passed through the intake filters (in the spirit of Zammad's postmaster filters,
 * but a typed object rather than a loose hash). Each filter reads what earlier filters set and
 * adds its own part.
 */
export interface IntakeContext {
  inbound: InboundMessageEntity;
  raw: Buffer;
  /** Set for form submissions. */
  form: FormPayload | null;
  message: NormalizedMessage | null;
  classification: Classification;
  sender: Address | null;
  thread: ThreadDecision;
  sanitizedHtml: string | null;
  /** Notes for `mail inspect` and logs: filter name → short, non-personal note. */
  notes: Array<{ filter: string; note: string }>;
  /** Set when the message must not proceed; the row is quarantined with this reason. */
  quarantineReason: string | null;
}

export function createContext(inbound: InboundMessageEntity, raw: Buffer): IntakeContext {
  return {
    inbound,
    raw,
    form: null,
    message: null,
    classification: 'normal',
    sender: null,
    thread: { ticketId: null, reason: 'new' },
    sanitizedHtml: null,
    notes: [],
    quarantineReason: null,
  };
}
