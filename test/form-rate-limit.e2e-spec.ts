import { InboundMessageEntity } from '@app/database';
import { startTestApp, type TestApp } from './support/test-app';

describe('web form per-IP rate limit', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ env: { FORM_RATE_LIMIT_PER_HOUR: '3' } });
  });
  afterAll(async () => {
    await app.close();
  });

  it('accepts up to the limit, then answers 429 and stores nothing more', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${app.baseUrl}/api/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Rita', email: 'rita@example.org', subject: `Try ${i}`, message: 'Hello' }),
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(await app.dataSource.getRepository(InboundMessageEntity).count()).toBe(3);
    // Sign-in has its own budget: the form limit does not lock staff out.
    const login = await fetch(`${app.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x@desk.test', password: 'not-a-user-password' }),
    });
    expect(login.status).toBe(401);
  });
});
