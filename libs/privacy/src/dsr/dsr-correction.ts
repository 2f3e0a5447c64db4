import { z } from 'zod';
import { PrivacyError } from '../privacy.error';
import { CORRECTABLE_FIELDS, type Corrections } from './dsr-types';

const line = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks');

/**
 * A postal address as people write it: up to 6 lines of up to 100 characters, 500 in all; no
 * control characters but the line breaks (normalised to \n); empty lines and edge spaces dropped.
 */
export const postalAddressSchema = z
  .string()
  .refine(
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    (v) => !/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f\u2028\u2029]/.test(v),
    'must not contain control characters',
  )
  .transform((v) =>
    v
      .split(/\r\n?|\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .join('\n'),
  )
  .refine((v) => v.length <= 500, 'must be at most 500 characters')
  .refine((v) => v.split('\n').length <= 6, 'must be at most 6 lines')
  .refine((v) => v.split('\n').every((l) => l.length <= 100), 'must have lines of at most 100 characters');

const schema = z
  .object({
    name: line(200).nullable().optional(),
    email: line(254)
      .pipe(z.email({ error: 'must be an email address' }))
      .transform((v) => v.toLowerCase())
      .optional(),
    company: line(200).nullable().optional(),
    website: line(500).nullable().optional(),
    phone: line(50).nullable().optional(),
    postalAddress: postalAddressSchema.nullable().optional(),
  })
  .strict();

/** Validates requested corrections; errors name the field, never echo the value. */
export function parseCorrections(input: unknown): Corrections {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const fields: Record<string, string> = {};
    for (const issue of result.error.issues) fields[issue.path.join('.') || 'changes'] ??= issue.message;
    throw new PrivacyError('invalid_correction', 'The correction has invalid fields', fields);
  }
  const changes: Corrections = {};
  for (const field of CORRECTABLE_FIELDS) {
    const value = result.data[field];
    // Empty text clears an optional field.
    if (value !== undefined) changes[field] = value === '' ? null : value;
  }
  if (Object.keys(changes).length === 0) {
    throw new PrivacyError('invalid_correction', `Give at least one of ${CORRECTABLE_FIELDS.join(', ')}`);
  }
  return changes;
}
