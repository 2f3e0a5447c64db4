import type { Request, Response } from 'express';
import { friendlyErrorPage, wantsFriendlyPage } from './friendly-errors';

function fakeReq(path: string, accept: string, json = false): Request {
  return {
    path,
    body: {},
    header: (name: string) => (name.toLowerCase() === 'accept' ? accept : undefined),
    is: (type: string) => (json && type === 'application/json' ? type : false),
  } as unknown as Request;
}

function fakeRes() {
  const sent: { status?: number; body?: string; headers: Record<string, string> } = { headers: {} };
  const res = {
    setHeader: (k: string, v: string) => (sent.headers[k.toLowerCase()] = v),
    status(code: number) {
      sent.status = code;
      return this;
    },
    send: (body: string) => (sent.body = body),
    redirect: (code: number, to: string) => Object.assign(sent, { status: code, body: to }),
  };
  return { res: res as unknown as Response, sent };
}

describe('friendly error pages', () => {
  it('are for browsers on the form and the portal only; API clients keep JSON', () => {
    expect(wantsFriendlyPage(fakeReq('/api/requests', 'text/html,*/*'))).toBe(true);
    expect(wantsFriendlyPage(fakeReq('/portal/requests', 'text/html'))).toBe(true);
    expect(wantsFriendlyPage(fakeReq('/api/requests', 'application/json'))).toBe(false);
    expect(wantsFriendlyPage(fakeReq('/api/requests', 'text/html', true))).toBe(false);
    expect(wantsFriendlyPage(fakeReq('/api/tickets', 'text/html'))).toBe(false);
    expect(wantsFriendlyPage(fakeReq('/api/portal/requests', 'text/html'))).toBe(false);
  });

  it('turn an unexpected server error into a page that reveals nothing of it', () => {
    const { res, sent } = fakeRes();
    friendlyErrorPage(fakeReq('/portal/requests', 'text/html'), res, new TypeError('db password=hunter2'), 500);
    expect(sent.status).toBe(500);
    expect(sent.headers['content-type']).toMatch(/^text\/html/);
    expect(sent.body).toContain('Something went wrong on our side');
    expect(sent.body).not.toContain('hunter2');
    expect(sent.body).not.toContain('TypeError');
  });
});
