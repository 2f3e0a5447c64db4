import { startTestApp, type TestApp } from '../support/test-app';

/**
 * TRUST_PROXY decides whose X-Forwarded-For names the client. Seen through the per-IP form limit
 * (1 per hour): two requests forwarded for two different clients share one budget exactly when the
 * proxy (here the loopback connection) is not trusted.
 */
describe('TRUST_PROXY', () => {
  async function twoForwardedRequests(app: TestApp): Promise<number[]> {
    const statuses: number[] = [];
    for (const client of ['203.0.113.7', '198.51.100.9']) {
      const res = await fetch(`${app.baseUrl}/api/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ name: 'Rita', email: 'rita@example.org', subject: 'Proxy', message: 'Hello' }),
      });
      statuses.push(res.status);
    }
    return statuses;
  }

  it('believes a trusted proxy: each forwarded client has its own budget', async () => {
    const app = await startTestApp({ env: { FORM_RATE_LIMIT_PER_HOUR: '1', TRUST_PROXY: 'loopback' } });
    try {
      expect(await twoForwardedRequests(app)).toEqual([202, 202]);
    } finally {
      await app.close();
    }
  });

  it('ignores X-Forwarded-For from a peer outside TRUST_PROXY: the peer is the client', async () => {
    const app = await startTestApp({ env: { FORM_RATE_LIMIT_PER_HOUR: '1', TRUST_PROXY: '10.0.0.0/8' } });
    try {
      expect(await twoForwardedRequests(app)).toEqual([202, 429]);
    } finally {
      await app.close();
    }
  });
});
