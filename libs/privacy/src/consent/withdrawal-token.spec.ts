import { ConsentPurpose } from '@app/database';
import { signWithdrawalToken, verifyWithdrawalToken } from './withdrawal-token';

const secret = 'a-secret-of-at-least-thirty-two-characters';
const contact = '3f2b8c1e-8a8e-4f5e-9d2a-0c6f1b2a3d4e';

describe('withdrawal token', () => {
  it('round-trips contact and purpose', () => {
    const token = signWithdrawalToken(secret, contact, ConsentPurpose.MarketResearch);
    expect(verifyWithdrawalToken(secret, token)).toEqual({ contactId: contact, purpose: 'market_research' });
  });

  it('holds no address and is URL-safe', () => {
    const token = signWithdrawalToken(secret, contact, ConsentPurpose.PromotionalEmail);
    expect(token).toMatch(/^[0-9a-f-]{36}\.p\.[0-9a-f]{43}$/);
  });

  it('rejects a token re-pointed at another purpose or contact, or signed with another secret', () => {
    const token = signWithdrawalToken(secret, contact, ConsentPurpose.PromotionalEmail);
    const [, , sig] = token.split('.');
    expect(verifyWithdrawalToken(secret, `${contact}.m.${sig}`)).toBeNull();
    expect(verifyWithdrawalToken(secret, `${contact.replace('3f', '4f')}.p.${sig}`)).toBeNull();
    expect(verifyWithdrawalToken(`${secret}x`, token)).toBeNull();
    expect(verifyWithdrawalToken(secret, 'garbage')).toBeNull();
  });
});
