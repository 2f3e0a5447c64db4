import { z } from 'zod';
import { PrivacyError } from '../privacy.error';
import { CORRECTABLE_FIELDS, type Corrections } from './dsr-types';

const line = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks');

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
