import { postalAddressSchema } from '@app/privacy';
import { z } from 'zod';

const noLineBreaks = (v: string) => !/[\r\n]/.test(v);
const line = (max: number) =>
  z
    .string({ error: 'is required' })
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine(noLineBreaks, 'must not contain line breaks');
const optional = (max: number) =>
  line(max)
    .nullish()
    .transform((v) => (v === undefined || v === null || v === '' ? null : v));

export const emailField = z
  .string({ error: 'is required' })
  .trim()
  .min(1, 'is required')
  .max(254, 'must be at most 254 characters')
  .refine(noLineBreaks, 'must not contain line breaks')
  .pipe(z.email({ error: 'must be an email address' }))
  .transform((v) => v.toLowerCase());

const website = optional(500).refine(
  (v) => v === null || /^https?:\/\/[^\s/$.?#][^\s]*$/i.test(v) || /^[a-z0-9-]+(\.[a-z0-9-]+)+(\/\S*)?$/i.test(v),
  'must be a web address such as https://example.org',
);

const phone = optional(50).refine((v) => v === null || /^[+()0-9 ./-]{3,50}$/.test(v), 'must be a phone number');
const postalAddress = postalAddressSchema
  .nullish()
  .transform((v) => (v === undefined || v === null || v === '' ? null : v));

/**
 * Exactly the registration fields of the privacy policy: name, email, password, company name,
 * company website and contact information (a phone number and a postal address, optional).
 * Nothing else is accepted.
 */
export const registrationSchema = z
  .object({
    name: line(200).min(1, 'is required'),
    email: emailField,
    password: z.string({ error: 'is required' }).min(1, 'is required'),
    company: optional(200),
    website,
    phone,
    postalAddress,
  })
  .strip();

export type Registration = z.output<typeof registrationSchema>;

export const profileSchema = z
  .object({
    name: line(200).min(1, 'is required'),
    company: optional(200),
    website,
    phone,
    postalAddress,
  })
  .strip();

export type ProfileInput = z.output<typeof profileSchema>;

export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[issue.path.join('.') || 'body'] ??= issue.message;
  return fields;
}
