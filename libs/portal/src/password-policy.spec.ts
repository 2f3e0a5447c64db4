import { passwordProblem } from './password-policy';

describe('customer password policy', () => {
  it('refuses short passwords', () => {
    expect(passwordProblem('Xq7#vL2')).toBe('must be at least 10 characters');
  });

  it('refuses the most common passwords from the packaged list, also with digits added', () => {
    expect(passwordProblem('password123')).toMatch(/most common/);
    expect(passwordProblem('iloveyou12')).toMatch(/most common/);
    expect(passwordProblem('qwertyuiop')).toMatch(/most common|too easy/);
  });

  it('refuses passwords built from the person’s own name or address', () => {
    expect(passwordProblem('janedoe-lindqvist', ['Jane Lindqvist', 'jane@example.org'])).toMatch(/name or email/);
  });

  it('accepts a long unrelated passphrase', () => {
    expect(passwordProblem('violet tractor marmalade 42')).toBeNull();
  });
});
