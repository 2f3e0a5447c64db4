import { startTestApp, type TestApp } from './support/test-app';

const TOKEN = 'scrape-token-0123456789abcdef';
const PRODUCTION = { NODE_ENV: 'production', MAILBOX_ENCRYPTION_KEY: 'k'.repeat(32) };

/** /metrics needs the bearer token when one is set (and is off in production without one); /api/docs can be switched off. */
describe('/metrics and /api/docs exposure', () => {
  describe('production with METRICS_TOKEN, docs left at their default', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ env: { ...PRODUCTION, METRICS_TOKEN: TOKEN } });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('refuses scrapes without the right bearer token', async () => {
      const anonymous = await fetch(`${app.baseUrl}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await anonymous.text()).not.toContain('intake_');
      for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN]) {
        const res = await fetch(`${app.baseUrl}/metrics`, { headers: { authorization } });
        expect([authorization, res.status]).toEqual([authorization, 401]);
      }
    });

    it('serves Prometheus text to a scrape with the token', async () => {
      const res = await fetch(`${app.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^# HELP intake_/m);
    });

    it('does not serve the OpenAPI document in production', async () => {
      expect((await fetch(`${app.baseUrl}/api/docs`)).status).toBe(404);
      expect((await fetch(`${app.baseUrl}/api/docs-json`)).status).toBe(404);
    });
  });

  describe('production without a token, docs switched on', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ env: { ...PRODUCTION, API_DOCS_ENABLED: 'true' } });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('keeps /metrics off and serves /api/docs', async () => {
      expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(404);
      expect((await fetch(`${app.baseUrl}/api/docs-json`)).status).toBe(200);
      expect((await fetch(`${app.baseUrl}/api/docs`)).status).toBe(200);
    });
  });
});
