import { hmacHex, safeEqual } from '@app/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface LinkClaims {
  mailId: string;
  kind: string;
  expiresAt: Date;
}

/**
 * The token in a verification or sign-in link: `<mail row id>.<HMAC>`. The HMAC covers the row id,
 * its kind and its expiry with the app secret, so a token cannot be forged, re-pointed at another
 * row, turned from one kind into the other, or stretched past its expiry; the row's `usedAt` makes
 * it single-use. Nothing secret is stored: the worker derives the same token when it sends the mail.
 */
export function signLinkToken(secret: string, claims: LinkClaims): string {
  return `${claims.mailId}.${mac(secret, claims)}`;
}

/** The row id a token names, or null when it is malformed (the signature is checked against the row). */
export function linkTokenMailId(token: string): string | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const [id, signature, ...rest] = token.split('.');
  return id && signature && rest.length === 0 && UUID.test(id) ? id : null;
}

export function linkTokenMatches(secret: string, token: string, claims: LinkClaims): boolean {
  const signature = token.split('.')[1] ?? '';
  return safeEqual(signature, mac(secret, claims));
}

function mac(secret: string, claims: LinkClaims): string {
  return hmacHex(secret, 'portal-link', `${claims.mailId}:${claims.kind}:${claims.expiresAt.getTime()}`).slice(0, 43);
}
