import { hmacHex } from '@app/common';
import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * Mailbox secrets at rest (passwords, SMTP URLs, OAuth2 refresh tokens): AES-256-GCM with a random 96-bit IV per value, stored as
 * `v1:<iv>:<tag>:<ciphertext>` (base64url). The key comes from MAILBOX_ENCRYPTION_KEY; outside
 * production it falls back to a key derived from APP_SECRET so a first run needs no setup.
 */
@Injectable()
export class PasswordCipher {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = mailboxKey(config);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join(':');
  }

  decrypt(stored: string): string {
    const [version, iv, tag, data] = stored.split(':');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('unsupported password format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

export function mailboxKey(config: AppConfig): Buffer {
  const { MAILBOX_ENCRYPTION_KEY, NODE_ENV, APP_SECRET } = config.values;
  if (MAILBOX_ENCRYPTION_KEY) return createHash('sha256').update(MAILBOX_ENCRYPTION_KEY).digest();
  if (NODE_ENV === 'production') {
    throw new Error('Invalid configuration: MAILBOX_ENCRYPTION_KEY is required when NODE_ENV=production');
  }
  return Buffer.from(hmacHex(APP_SECRET, 'mailbox-encryption', 'key'), 'hex');
}
