import { DomainError } from '@app/common';
import type { Request, Response } from 'express';
import { errorPage } from './portal-pages';
import { escapeHtml } from './support-page';

const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Whether an error should be answered with a page: a browser (asks for HTML, not JSON) on the
 * public form's endpoint or a portal page. Everything else — API clients with
 * `Accept: application/json`, the staff app, /api/portal — keeps the JSON error body.
 */
export function wantsFriendlyPage(req: Request): boolean {
  const accept = req.header('accept') ?? '';
  if (!accept.includes('text/html') || req.is('application/json')) return false;
  return req.path === '/api/requests' || req.path === '/support' || /^\/portal(\/|$)/.test(req.path);
}

/**
 * A page in the site's style for 400/413/429/5xx. The form's own fields come back filled in
 * (whatever the server had read before the error), so the customer loses nothing they typed.
 */
export function friendlyErrorPage(req: Request, res: Response, exception: unknown, status: number): void {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('Cache-Control', 'no-store');
  const portal = req.path.startsWith('/portal');
  if (portal && status === 401) {
    res.redirect(303, '/portal/sign-in');
    return;
  }
  const back = portal
    ? { href: '/portal', label: 'Back to the portal' }
    : { href: '/support', label: 'Back to the form' };
  const { title, text } = explain(exception, status);
  const form = !portal && req.path === '/api/requests' ? typedForm(req.body) : '';
  res.status(status).send(errorPage(status, title, text, back).replace('</main>', `${form}</main>`));
}

function explain(exception: unknown, status: number): { title: string; text: string } {
  if (status === 413 || (exception instanceof DomainError && exception.code === 'attachment_too_large')) {
    return {
      title: 'A file is too large',
      text: 'One of the attached files is larger than we accept. Please send it smaller (for example compressed or as several parts), or leave it out.',
    };
  }
  if (status === 429) {
    return {
      title: 'Too many requests',
      text: 'You have sent a lot in a short time. Please wait a while (at most an hour) and try again.',
    };
  }
  if (status === 403) {
    return { title: 'The page expired', text: 'Please go back, reload the page and send it again.' };
  }
  if (status === 404) {
    return { title: 'Not found', text: 'We could not find what you asked for.' };
  }
  if (status >= 500) {
    return {
      title: 'Something went wrong on our side',
      text: 'Your request could not be completed. Please try again in a few minutes; if it keeps happening, write to us by email.',
    };
  }
  if (exception instanceof DomainError && exception.details) {
    const list = Object.entries(exception.details)
      .map(([field, message]) => `${field} ${message}`)
      .join('; ');
    return { title: 'Please check your request', text: `Some fields need another look: ${list}.` };
  }
  return {
    title: 'Please check your request',
    text: exception instanceof DomainError ? exception.message : 'The request could not be read.',
  };
}

/** The form's text fields as the server read them, to copy back (no file, no honeypot). */
function typedForm(body: unknown): string {
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  const fields = ['name', 'email', 'subject', 'message'].filter((f) => typeof b[f] === 'string' && b[f] !== '');
  if (fields.length === 0) return '';
  const text = (f: string) => escapeHtml(String(b[f]));
  return `<h2>What you wrote</h2>
<form method="post" action="/api/requests" enctype="multipart/form-data">
<label for="name">Your name *</label><input id="name" name="name" type="text" required maxlength="200" value="${text('name')}">
<label for="email">Email address *</label><input id="email" name="email" type="email" required maxlength="254" value="${text('email')}">
<label for="subject">Subject *</label><input id="subject" name="subject" type="text" required maxlength="250" value="${text('subject')}">
<label for="message">How can we help? *</label><textarea id="message" name="message" required maxlength="100000">${text('message')}</textarea>
<label for="attachments">Attachments</label><input id="attachments" name="attachments" type="file" multiple>
<button type="submit">Send request</button>
</form>`;
}
