/** What a secret's value is replaced with: the entry still shows that the field changed. */
export const SECRET_MARKER = '[secret]';

/** Longest string kept in an entry; audit rows hold facts, not documents. */
export const MAX_STRING = 500;
const MAX_DEPTH = 6;

// Matched against the words of a field name (camelCase, snake_case and kebab-case are split).
const SECRET_WORDS = new Set([
  'password',
  'passwords',
  'passwd',
  'pass',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'totp',
  'otp',
  'recovery',
  'credential',
  'credentials',
  'cookie',
  'cookies',
  'authorization',
  'hash',
  'encrypted',
  'salt',
]);
// Two-word names whose words alone are harmless ("key", "private").
const SECRET_PAIRS = new Set(['apikey', 'privatekey', 'accesskey', 'secretkey', 'sessionkey', 'encryptionkey']);

/** The words of a field name: `passwordEncrypted` → password, encrypted; `smtp_url` → smtp, url. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** True when a field with this name may hold a secret (password, token, TOTP seed, recovery codes…). */
export function isSecretName(name: string): boolean {
  const words = nameWords(name);
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  for (let i = 0; i + 1 < words.length; i++) if (SECRET_PAIRS.has(`${words[i]}${words[i + 1]}`)) return true;
  return false;
}

/**
 * A copy of `value` safe for the audit log: fields with secret names hold SECRET_MARKER instead of
 * their value (at any depth), passwords inside URLs (`smtps://user:pw@host`) are masked, long
 * strings are cut, and nesting is bounded. Non-JSON values (functions, symbols) are dropped.
 */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'string') return scrubString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== 'object') return null;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => scrubSecrets(v, depth + 1));
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'function' || typeof v === 'symbol' || v === undefined) continue;
    out[key] = isSecretName(key) ? SECRET_MARKER : scrubSecrets(v, depth + 1);
  }
  return out;
}

/**
 * `changes` for the log: a secret-named field keeps its key (so the entry says the password was
 * changed) but both sides become SECRET_MARKER.
 */
export function scrubChanges(
  changes: Record<string, { before: unknown; after: unknown }>,
): Record<string, { before: unknown; after: unknown }> {
  const out: Record<string, { before: unknown; after: unknown }> = {};
  for (const [field, change] of Object.entries(changes)) {
    if (isSecretName(field)) out[field] = { before: SECRET_MARKER, after: SECRET_MARKER };
    else out[field] = { before: scrubSecrets(change?.before, 1), after: scrubSecrets(change?.after, 1) };
  }
  return out;
}

function scrubString(value: string): string {
  // user:password@ in any URL-like string (SMTP and IMAP URLs carry credentials this way).
  const masked = value.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s/@]*@/gi, `$1:${SECRET_MARKER}@`);
  return masked.length > MAX_STRING ? `${masked.slice(0, MAX_STRING)}…` : masked;
}
