import { z } from 'zod';
import { AuthError } from './auth.error';

/** What every new password must satisfy (sign-up links, changes, the CLI). */
export const passwordSchema = z.string().min(12, 'must be at least 12 characters').max(1024, 'is too long');

export function checkPassword(password: unknown, field = 'password'): string {
  const parsed = passwordSchema.safeParse(password);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'is invalid';
    throw new AuthError('invalid_password', `The password ${message}`, { [field]: message });
  }
  return parsed.data;
}
