import { linkTokenMailId, linkTokenMatches, signLinkToken } from './link-token';

const secret = 'a-secret-of-some-length-a-secret-of-some';
const claims = {
  mailId: '6a1c8f0e-1f7b-4a57-9a56-3a8b7c0d9e11',
  kind: 'verify',
  expiresAt: new Date(1_800_000_000_000),
};

describe('portal link tokens', () => {
  it('verify against the same claims only', () => {
    const token = signLinkToken(secret, claims);
    expect(linkTokenMailId(token)).toBe(claims.mailId);
    expect(linkTokenMatches(secret, token, claims)).toBe(true);
    expect(linkTokenMatches(secret, token, { ...claims, kind: 'magic_link' })).toBe(false);
    expect(linkTokenMatches(secret, token, { ...claims, expiresAt: new Date(1_800_000_001_000) })).toBe(false);
    expect(linkTokenMatches('another-secret-another-secret-another', token, claims)).toBe(false);
  });

  it('refuse malformed tokens', () => {
    expect(linkTokenMailId('not-a-token')).toBeNull();
    expect(linkTokenMailId(`${claims.mailId}.sig.extra`)).toBeNull();
    expect(linkTokenMailId('x'.repeat(300))).toBeNull();
  });
});
