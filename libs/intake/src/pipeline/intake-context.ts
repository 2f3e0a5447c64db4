import type { InboundMessageEntity } from '@app/database';
import type { FormPayload } from '../form/form-payload';
import type { RawGap } from './mime/compact-raw';
import type { SkeletonPart } from './mime/mime-skeleton';

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
  /** Set by normalize-attachments: SVG/HTML and friends are only ever served as downloads. */
  neverInline?: boolean;
  /** The type the sender declared, when the bytes said otherwise. */
  declaredContentType?: string | null;
  /**
   * A large part left in the staging row (mime/staged-parts.ts): `content` holds only its first
   * bytes, and the whole is the base64 text at these offsets of the raw message, which the
   * database decodes and stores when the message is committed.
   */
  staged?: { start: number; end: number };
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

/**
 * `normal` and `bulk` are people writing (bulk: through a list, a group or a forwarding rule, so no
 * acknowledgement); the others are machines: automatic replies, delivery and feedback reports, and
 * our own mail coming back.
 */
export type Classification = 'normal' | 'bulk' | 'auto_reply' | 'bounce' | 'feedback' | 'loop';

/** Whether a person wrote it: such a message reopens a solved ticket. */
export function writtenByPerson(classification: Classification): boolean {
  return classification === 'normal' || classification === 'bulk';
}

export interface BounceRecipient {
  address: string;
  /** Enhanced status code (RFC 3463) when known, e.g. `5.1.1`. */
  status: string | null;
  permanent: boolean;
  /** Short reason code (userunknown, mailboxfull, expired, …), never the diagnostic text. */
  reason: string;
}

/** What classify found, with the signals that made it decide (for `mail inspect` and tests). */
export interface ClassificationDetail {
  signals: string[];
  bounce: {
    recipients: BounceRecipient[];
    /** Message-ID of our message that bounced, from the returned headers. */
    originalMessageId: string | null;
    permanent: boolean;
  } | null;
  feedbackType: string | null;
}

export type ThreadReason =
  | 'new'
  | 'token'
  | 'in-reply-to'
  | 'references'
  | 'subject'
  | 'bounce-original'
  /** Customer portal (issue 13): the signed-in customer replied on their ticket. */
  | 'portal';

export interface ThreadDecision {
  /** null: start a new ticket. */
  ticketId: string | null;
  reason: ThreadReason;
  /** Why a possible match was not taken (e.g. `subject_ref_sender_mismatch`); for inspect/logs. */
  rejected?: string[];
}

/**
 * Typed state passed through the intake filters (in the spirit of Zammad's postmaster filters,
 * but a typed object rather than a loose hash). Each filter reads what earlier filters set and
 * adds its own part.
 */
export interface IntakeContext {
  inbound: InboundMessageEntity;
  raw: Buffer;
  /**
   * `raw` is the staging row's own bytes, there until the commit: large attachments can then be
   * stored from it by the database instead of through the worker (false for `mail inspect`).
   */
  rawInStagingRow: boolean;
  /**
   * Base64 bulk left out of `raw` when a large message was read compacted (mime/compact-raw.ts);
   * offsets into the staging row's bytes go through originalOffset. Empty for a message read whole.
   */
  rawGaps: RawGap[];
  /** Set for form submissions. */
  form: FormPayload | null;
  message: NormalizedMessage | null;
  /** MIME part list from the bounded pre-scan (email only; empty for the web form). */
  mime: SkeletonPart[];
  classification: Classification;
  sender: Address | null;
  thread: ThreadDecision;
  classificationDetail: ClassificationDetail;
  sanitizedHtml: string | null;
  /** Remote images removed from the HTML (the UI may offer to show them). */
  blockedImages: number;
  /** The new text of the message without quoted history and signature (for display). */
  visibleText: string | null;
  quotedText: string | null;
  signature: string | null;
  /** Notes for `mail inspect` and logs: filter name → short, non-personal note. */
  notes: Array<{ filter: string; note: string }>;
  /** Set when the message must not proceed; the row is quarantined with this reason. */
  quarantineReason: string | null;
}

export function createContext(
  inbound: InboundMessageEntity,
  raw: Buffer,
  rawInStagingRow = false,
  rawGaps: RawGap[] = [],
): IntakeContext {
  return {
    inbound,
    raw,
    rawInStagingRow,
    rawGaps,
    form: null,
    message: null,
    mime: [],
    classification: 'normal',
    sender: null,
    classificationDetail: { signals: [], bounce: null, feedbackType: null },
    thread: { ticketId: null, reason: 'new' },
    sanitizedHtml: null,
    blockedImages: 0,
    visibleText: null,
    quotedText: null,
    signature: null,
    notes: [],
    quarantineReason: null,
  };
}
