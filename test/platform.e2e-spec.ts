import { JobDispatchModule, JobName } from '@app/queue';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Agent, get, type IncomingMessage } from 'node:http';
import { startTestApp, type TestApp } from './support/test-app';

describe('platform', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('reports database and queue on /health', async () => {
    const res = await fetch(`${app.baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', database: 'up', queue: 'up' });
  });

  it('publishes the OpenAPI document at /api/docs', async () => {
    const ui = await fetch(`${app.baseUrl}/api/docs`);
    expect(ui.status).toBe(200);
    const doc = (await (await fetch(`${app.baseUrl}/api/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/requests', '/api/auth/login', '/api/tickets', '/api/tickets/{id}']),
    );
  });

  it('sends security headers and never leaks internals in errors', async () => {
    const res = await fetch(`${app.baseUrl}/api/tickets`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-powered-by')).toBeNull();
    const body = await res.text();
    expect(body).not.toMatch(/at .*\.ts:\d+|node_modules/);
  });

  it('keeps idle connections open longer than a reverse proxy keeps its own (Keep-Alive: timeout=65)', async () => {
    const agent = new Agent({ keepAlive: true });
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) =>
        get(`${app.baseUrl}/health`, { agent }, resolve).on('error', reject),
      );
      res.resume();
      expect(res.headers.connection).toBe('keep-alive');
      expect(res.headers['keep-alive']).toBe('timeout=65');
    } finally {
      agent.destroy();
    }
  });

  it('refuses to start a consuming process when a job has no handler', async () => {
    // A process that consumes queues but registers no handlers at all.
    @Module({ imports: [JobDispatchModule] })
    class NoHandlers {}
    let error: unknown;
    try {
      const context = await NestFactory.createApplicationContext(NoHandlers, { logger: false, abortOnError: false });
      await context.init();
      await context.close();
    } catch (e) {
      error = e;
    }
    expect((error as Error | undefined)?.message).toContain(`job "${JobName.ProcessInbound}" has no handler`);
  });
});
