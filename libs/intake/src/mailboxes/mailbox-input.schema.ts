import { MailboxAfterAction } from '@app/database';
import { placeholderError, unknownPlaceholders } from '@app/tickets';
import { z } from 'zod';

const folder = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((v) => !/[\r\n\0]/.test(v), 'must be one line');

/** An empty field clears the setting (null: the desk's default applies). */
const cleared = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);

/** A text with `{{placeholders}}`: refused when it names one that is not known (listing the known ones). */
const template = (max: number) =>
  z.preprocess(
    cleared,
    z
      .string()
      .max(max)
      .superRefine((v, ctx) => {
        const unknown = unknownPlaceholders(v);
        if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: placeholderError(unknown) });
      })
      .nullable()
      .optional(),
  );

/** The mailbox's identity on outbound mail (answers, acknowledgements). */
const identity = {
  fromName: z.preprocess(
    cleared,
    z
      .string()
      .trim()
      .max(100)
      .refine((v) => !/[\r\n\0]/.test(v), 'must be one line')
      .nullable()
      .optional(),
  ),
  replyTo: z.preprocess(
    cleared,
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.email({ error: 'must be an email address' }))
      .nullable()
      .optional(),
  ),
  signature: template(5_000),
  ackTemplate: template(10_000),
  /** Write-only: an SMTP URL of its own (`smtps://user:pass@host:465`), stored encrypted; null = SMTP_URL. */
  smtpUrl: z.preprocess(
    cleared,
    z
      .string()
      .trim()
      .max(2000)
      .pipe(z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }))
      .nullable()
      .optional(),
  ),
};

/** Input of `mailbox add` and POST /api/admin/mailboxes. */
export const mailboxCreateSchema = z.object({
  name: z.string().trim().min(1).max(100),
  address: z.string().trim().toLowerCase().pipe(z.email()),
  host: z.string().trim().min(1).max(255),
  port: z.coerce.number().int().min(1).max(65535).optional(),
  tls: z.boolean().default(true),
  tlsRejectUnauthorized: z.boolean().default(true),
  username: z.string().min(1).max(320),
  password: z.string().min(1).max(1000),
  folder: folder.default('INBOX'),
  afterAction: z.enum(MailboxAfterAction).default(MailboxAfterAction.Move),
  processedFolder: folder.default('Processed'),
  quarantineFolder: folder.default('Quarantine'),
  enabled: z.boolean().default(true),
  /** New tickets from this mailbox land in this group (null: no group). */
  groupId: z.uuid({ error: 'must be a group id' }).nullable().optional(),
  /** Web-form tickets (which arrive on no mailbox) are answered and acknowledged from this one; one at most. */
  defaultOutbound: z.boolean().optional(),
  ...identity,
});

/**
 * The SMTP server of a mailbox signed in with OAuth2 (XOAUTH2 with its access token): set from the
 * provider's preset when it is connected, changeable afterwards. An empty host goes back to the
 * preset. Mailboxes signed in with a password use `smtpUrl` instead.
 */
const oauthSmtp = {
  smtpHost: z.preprocess(
    cleared,
    z
      .string()
      .trim()
      .min(1)
      .max(255)
      .regex(/^[A-Za-z0-9.-]+$/, 'must be a host name')
      .nullable()
      .optional(),
  ),
  smtpPort: z.coerce.number().int().min(1).max(65535).optional(),
  smtpTls: z.boolean().optional(),
};

export const mailboxUpdateSchema = mailboxCreateSchema.partial().extend(oauthSmtp);

export type MailboxCreateInput = z.input<typeof mailboxCreateSchema>;
export type MailboxUpdateInput = z.input<typeof mailboxUpdateSchema>;

export function mailboxFieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || 'mailbox';
    // The message names the rule, never the value (which could be a password).
    fields[key] ??= issue.message;
  }
  return fields;
}
