import { hmacHex } from '@app/common';

/**
 * The secret of a one-time staff link (invitation, password reset), derived from its user_tokens
 * row id with the app secret. Only its hash is stored, and the mail job carries only the row id:
 * the link exists in the admin's answer and the mail, nowhere else.
 */
export function staffLinkToken(appSecret: string, userTokenId: string): string {
  return hmacHex(appSecret, 'staff-link', userTokenId);
}

export function staffLinkPath(token: string): string {
  // The token sits in the fragment, out of server and proxy logs.
  return `/set-password#${token}`;
}
