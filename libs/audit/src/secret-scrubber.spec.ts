import { auditJson, toRow } from './audit.service';
import { AuditContext } from './audit-context';
import { isSecretName, MAX_STRING, scrubChanges, scrubSecrets, SECRET_MARKER } from './secret-scrubber';

describe('audit secret scrubber', () => {
  it.each([
    'password',
    'newPassword',
    'password_encrypted',
    'passwordHash',
    'csrfToken',
    'setPasswordToken',
    'totpSecret',
    'TOTP',
    'otp',
    'recoveryCodes',
    'recovery_codes',
    'apiKey',
    'client-secret',
    'Authorization',
    'cookie',
    'ipHash',
    'credentials',
  ])('treats %s as secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each(['role', 'email', 'name', 'host', 'smtpUrl', 'dataClass', 'key', 'passed', 'code', 'codes', 'signatureHtml'])(
    'keeps %s',
    (name) => {
      expect(isSecretName(name)).toBe(false);
    },
  );

  it('replaces secrets at any depth and masks credentials inside URLs', () => {
    const out = scrubSecrets({
      role: 'admin',
      nested: { deeper: [{ token: 'abc123', count: 3 }] },
      url: 'smtps://desk%40x.org:hunter2-secret@mail.example.org:465',
      imap: 'see imap://u:p@host/INBOX and done',
    });
    expect(out).toEqual({
      role: 'admin',
      nested: { deeper: [{ token: SECRET_MARKER, count: 3 }] },
      url: `smtps://desk%40x.org:${SECRET_MARKER}@mail.example.org:465`,
      imap: `see imap://u:${SECRET_MARKER}@host/INBOX and done`,
    });
    expect(JSON.stringify(out)).not.toMatch(/hunter2|abc123/);
  });

  it('keeps the fact that a secret changed, never its value', () => {
    expect(
      scrubChanges({
        password: { before: 'old-pass-123', after: 'new-pass-456' },
        role: { before: 'agent', after: 'admin' },
      }),
    ).toEqual({
      password: { before: SECRET_MARKER, after: SECRET_MARKER },
      role: { before: 'agent', after: 'admin' },
    });
  });

  it('cuts long strings and bounds nesting; drops functions, turns dates and bigints into text', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 10; i++) deep = { deep };
    const out = scrubSecrets({
      long: 'x'.repeat(MAX_STRING + 50),
      fn: () => 1,
      at: new Date('2026-01-02T03:04:05Z'),
      big: 10n,
      deep,
    }) as Record<string, unknown>;
    expect((out.long as string).length).toBe(MAX_STRING + 1);
    expect(out).not.toHaveProperty('fn');
    expect(out.at).toBe('2026-01-02T03:04:05.000Z');
    expect(out.big).toBe('10');
    expect(JSON.stringify(out.deep)).toContain('[nested]');
  });
});

describe('audit entry validation', () => {
  const base = {
    actor: { type: 'user' as const, id: 'u1' },
    action: 'user.role_changed',
    target: { type: 'user', id: 'u2' },
  };

  it('refuses undotted actions and unknown actor types', () => {
    expect(() => toRow({ ...base, action: 'RoleChanged' })).toThrow(/dotted/);
    expect(() => toRow({ ...base, actor: { type: 'robot' as 'user', id: null } })).toThrow(/actor/);
  });

  it('takes the IP from the request context unless given, and scrubs details', () => {
    const row = AuditContext.run({ ip: '203.0.113.9' }, () => toRow({ ...base, details: { token: 't0ken' } }));
    expect(row.ip).toBe('203.0.113.9');
    expect(row.details).toEqual({ token: SECRET_MARKER });
    expect(AuditContext.run({ ip: '203.0.113.9' }, () => toRow({ ...base, ip: null })).ip).toBeNull();
    expect(toRow(base).ip).toBeNull();
  });
});

describe('audit JSON', () => {
  it('turns a lone surrogate into U+FFFD so jsonb accepts the entry', () => {
    const row = toRow({
      actor: { type: 'cli', id: null },
      action: 'canned_reply.created',
      target: { type: 'canned_reply', id: 'x' },
      changes: { title: { before: null, after: 'a\ud800b' } },
    });
    expect(auditJson(row.changes)).toBe('{"title":{"before":null,"after":"a\ufffdb"}}');
  });
});
