import { z } from 'zod';

const noLineBreaks = (v: string) => !/[\r\n]/.test(v);
// Header-bound fields end up in email headers (From name, Subject): CR/LF there would allow
// header injection, so they are rejected rather than silently stripped.
const headerField = (max: number) =>
  z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .max(max, `must be at most ${max} characters`)
    .refine(noLineBreaks, 'must not contain line breaks');

const checkbox = z
  .union([z.boolean(), z.enum(['true', 'false', 'on', 'off', '1', '0', 'yes', 'no'])])
  .optional()
  .transform((v) => v === true || v === 'true' || v === 'on' || v === '1' || v === 'yes');

export const formRequestSchema = z.object({
  name: headerField(200),
  email: z
    .string({ error: 'is required' })
    .trim()
    .max(254, 'must be at most 254 characters')
    .refine(noLineBreaks, 'must not contain line breaks')
    .pipe(z.email({ error: 'must be an email address' })),
  subject: headerField(250),
  message: z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .max(100_000, 'must be at most 100000 characters'),
  // Separate boxes, both unticked unless the customer ticks them.
  consentPromotionalEmail: checkbox,
  consentMarketResearch: checkbox,
  // Honeypot: hidden from people; bots fill it.
  website: z.string().optional(),
});

export type FormRequestInput = z.input<typeof formRequestSchema>;
export type FormRequest = z.output<typeof formRequestSchema>;

/** Field name → first message, for a 400 response. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || 'body';
    fields[key] ??= issue.message;
  }
  return fields;
}
