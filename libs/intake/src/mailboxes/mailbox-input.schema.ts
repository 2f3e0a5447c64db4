import { MailboxAfterAction } from '@app/database';
import { z } from 'zod';

const folder = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((v) => !/[\r\n\0]/.test(v), 'must be one line');

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
});

export const mailboxUpdateSchema = mailboxCreateSchema.partial();

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
