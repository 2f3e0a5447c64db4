import { hmacHex } from '@app/common';
import type { AppConfig } from '@app/config';
import { createHash } from 'node:crypto';

/**
 * The AES-256-GCM key for TOTP secrets at rest. Same key material as mailbox passwords
 * (MAILBOX_ENCRYPTION_KEY, else derived from APP_SECRET), kept apart by its purpose.
 */
export function totpKey(config: AppConfig): Buffer {
  const { MAILBOX_ENCRYPTION_KEY, APP_SECRET } = config.values;
  const material = MAILBOX_ENCRYPTION_KEY ?? hmacHex(APP_SECRET, 'mailbox-encryption', 'key');
  return createHash('sha256').update(`totp-secrets:${material}`).digest();
}
