import { escapeHtml } from './support-page';

const PURPOSE_TEXT: Record<string, string> = {
  promotional_email: 'news and offers by email',
  market_research: 'invitations to market research',
};

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
button { padding: .6rem 1.2rem; font: inherit; background: #0b57d0; color: #fff; border: 0; border-radius: 4px; }
:focus-visible { outline: 3px solid #f9a825; outline-offset: 2px; }</style></head>
<body><main>${body}</main></body></html>`;
}

/** Confirmation step: a GET never changes anything (mail scanners follow links). */
export function withdrawConfirmPage(token: string, purpose: string): string {
  const what = PURPOSE_TEXT[purpose] ?? purpose;
  return page(
    'Withdraw your permission',
    `<h1>Withdraw your permission</h1>
<p>You are about to stop receiving ${escapeHtml(what)}. You do not need to sign in.</p>
<form method="post" action="/support/consent/withdraw">
  <input type="hidden" name="token" value="${escapeHtml(token)}">
  <button type="submit">Withdraw my permission</button>
</form>`,
  );
}

export function withdrawDonePage(purpose: string): string {
  const what = PURPOSE_TEXT[purpose] ?? purpose;
  return page(
    'Permission withdrawn',
    `<h1>Permission withdrawn</h1><p role="status">You will no longer receive ${escapeHtml(what)}.</p>`,
  );
}

export function withdrawInvalidPage(): string {
  return page(
    'Link not valid',
    `<h1>This link is not valid</h1><p>Please use the link from your most recent email, or reply to it and ask us to stop.</p>`,
  );
}
