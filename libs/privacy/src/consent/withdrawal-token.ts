import { hmacHex, safeEqual } from '@app/common';
import { ConsentPurpose } from '@app/database';

const PURPOSE_CODES: Record<ConsentPurpose, string> = {
  [ConsentPurpose.PromotionalEmail]: 'p',
  [ConsentPurpose.MarketResearch]: 'm',
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Signed withdrawal link token: `<contact id>.<purpose code>.<HMAC>`. It names a random id and a
 * purpose, never an address, and cannot be forged or re-pointed at another contact or purpose.
 * It does not expire: withdrawing must stay possible from any old email.
 */
export function signWithdrawalToken(secret: string, contactId: string, purpose: ConsentPurpose): string {
  const code = PURPOSE_CODES[purpose];
  return `${contactId}.${code}.${mac(secret, contactId, code)}`;
}

export function verifyWithdrawalToken(
  secret: string,
  token: string,
): { contactId: string; purpose: ConsentPurpose } | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const [contactId, code, signature, ...rest] = token.split('.');
  if (rest.length > 0 || !contactId || !code || !signature || !UUID.test(contactId)) return null;
  const purpose = (Object.keys(PURPOSE_CODES) as ConsentPurpose[]).find((p) => PURPOSE_CODES[p] === code);
  if (!purpose) return null;
  return safeEqual(signature, mac(secret, contactId, code)) ? { contactId, purpose } : null;
}

function mac(secret: string, contactId: string, code: string): string {
  return hmacHex(secret, 'consent-withdrawal', `${contactId}:${code}`).slice(0, 43);
}
