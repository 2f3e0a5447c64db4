import { escapeHtml as esc } from './support-page';

/**
 * The customer portal's pages: server-rendered HTML with no script at all, so every form works
 * without JavaScript and nothing of the staff app (code or data) can reach a customer's browser.
 */

export interface Nav {
  /** Signed in: the nav shows the portal's sections and a sign-out button carrying this token. */
  csrf?: string;
}

const STYLE = `body { font: 16px/1.5 system-ui, sans-serif; max-width: 48rem; margin: 0 auto; padding: 0 1rem 2rem; color: #1a1a1a; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; border-bottom: 1px solid #ccc; padding: .75rem 0; margin-bottom: 1rem; }
header nav a { margin-right: 1rem; }
a { color: #0b57d0; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input[type=text], input[type=email], input[type=password], input[type=url], input[type=tel], textarea, select { width: 100%; padding: .5rem; border: 1px solid #555; border-radius: 4px; font: inherit; box-sizing: border-box; }
textarea { min-height: 8rem; }
.hint { color: #444; font-size: .9rem; }
.error { color: #a50e0e; font-weight: 600; }
.notice { background: #e6f4ea; border: 1px solid #1e7e34; padding: .75rem; border-radius: 4px; }
.alert { background: #fce8e6; border: 1px solid #a50e0e; padding: .75rem; border-radius: 4px; }
button { margin-top: 1rem; padding: .6rem 1.2rem; font: inherit; background: #0b57d0; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
button.secondary { background: #fff; color: #0b57d0; border: 1px solid #0b57d0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem; border-bottom: 1px solid #ddd; vertical-align: top; }
.scroll { overflow-x: auto; }
.msg { border: 1px solid #ccc; border-radius: 6px; padding: .75rem; margin: .75rem 0; }
.msg.you { background: #f4f8ff; }
.msg pre { white-space: pre-wrap; font: inherit; margin: .5rem 0 0; }
.inline { display: inline; }
pre.record { white-space: pre-wrap; font-size: .85rem; background: #f6f6f6; padding: .5rem; overflow-x: auto; }
:focus-visible { outline: 3px solid #f9a825; outline-offset: 2px; }`;

export function portalPage(title: string, body: string, nav: Nav = {}): string {
  const header = nav.csrf
    ? `<header><strong>Support portal</strong><nav aria-label="Portal"><a href="/portal/requests">My requests</a><a href="/portal/requests/new">New request</a><a href="/portal/data">My data</a></nav>
<form method="post" action="/portal/sign-out" class="inline"><input type="hidden" name="_csrf" value="${esc(nav.csrf)}"><button type="submit" class="secondary">Sign out</button></form></header>`
    : `<header><strong>Support portal</strong><nav aria-label="Portal"><a href="/portal/sign-in">Sign in</a><a href="/portal/register">Register</a><a href="/support">Contact support</a></nav></header>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} – Support portal</title>
<style>${STYLE}</style></head>
<body>${header}<main>${body}</main></body></html>`;
}

export type Values = Record<string, string | undefined>;
export type Errors = Record<string, string>;

function field(
  name: string,
  label: string,
  options: {
    type?: string;
    values?: Values;
    errors?: Errors;
    required?: boolean;
    autocomplete?: string;
    hint?: string;
    max?: number;
    /** A textarea of this many rows (multi-line values such as a postal address). */
    rows?: number;
  } = {},
): string {
  const error = options.errors?.[name];
  const describedBy = [error ? `${name}-error` : '', options.hint ? `${name}-hint` : ''].filter(Boolean).join(' ');
  const value = options.type === 'password' ? '' : (options.values?.[name] ?? '');
  const attrs = `${options.required ? ' required' : ''}${options.max ? ` maxlength="${options.max}"` : ''}${options.autocomplete ? ` autocomplete="${options.autocomplete}"` : ''}${error ? ' aria-invalid="true"' : ''}${describedBy ? ` aria-describedby="${describedBy}"` : ''}`;
  return `<label for="${name}">${esc(label)}${options.required ? ' *' : ''}</label>
${options.hint ? `<p id="${name}-hint" class="hint">${esc(options.hint)}</p>` : ''}
${
  options.rows
    ? `<textarea id="${name}" name="${name}" rows="${options.rows}"${attrs}>${esc(value)}</textarea>`
    : `<input id="${name}" name="${name}" type="${options.type ?? 'text'}" value="${esc(value)}"${attrs}>`
}
${error ? `<p id="${name}-error" class="error">${esc(label)} ${esc(error)}</p>` : ''}`;
}

function summary(errors: Errors | undefined, message = 'Please correct the fields marked below.'): string {
  if (!errors || Object.keys(errors).length === 0) return '';
  return `<div class="alert" role="alert"><p>${esc(message)}</p></div>`;
}

export function registerPage(csrf: string, values: Values = {}, errors?: Errors): string {
  const opts = { values, errors };
  return portalPage(
    'Register',
    `<h1>Create your account</h1>
<p>With an account you can follow your requests, answer them and see the data we hold about you. Fields marked * are required.</p>
${summary(errors)}
<form method="post" action="/portal/register" novalidate>
<input type="hidden" name="_csrf" value="${esc(csrf)}">
${field('name', 'Your name', { ...opts, required: true, autocomplete: 'name', max: 200 })}
${field('email', 'Email address', { ...opts, type: 'email', required: true, autocomplete: 'email', max: 254 })}
${field('password', 'Password', { ...opts, type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 10 characters; not a common password. A few unrelated words work well.' })}
${field('company', 'Company name', { ...opts, autocomplete: 'organization', max: 200 })}
${field('website', 'Company website', { ...opts, type: 'url', autocomplete: 'url', max: 500 })}
${field('phone', 'Phone (contact information)', { ...opts, type: 'tel', autocomplete: 'tel', max: 50 })}
${field('postalAddress', 'Postal address (contact information)', { ...opts, rows: 4, autocomplete: 'street-address', max: 500, hint: 'Up to 6 lines.' })}
<p class="hint">We use these details only to answer your requests, as our privacy policy describes.</p>
<button type="submit">Create account</button>
</form>
<p>Already registered? <a href="/portal/sign-in">Sign in</a>.</p>`,
  );
}

export function checkMailPage(what: string): string {
  return portalPage(
    'Check your mailbox',
    `<h1>Check your mailbox</h1><p role="status">${esc(what)}</p><p><a href="/portal/sign-in">Back to sign-in</a></p>`,
  );
}

export function signInPage(csrf: string, values: Values = {}, error?: string, notice?: string): string {
  return portalPage(
    'Sign in',
    `<h1>Sign in</h1>
${notice ? `<p class="notice" role="status">${esc(notice)}</p>` : ''}
${error ? `<div class="alert" role="alert"><p>${esc(error)}</p></div>` : ''}
<form method="post" action="/portal/sign-in">
<input type="hidden" name="_csrf" value="${esc(csrf)}">
${field('email', 'Email address', { values, type: 'email', required: true, autocomplete: 'email' })}
${field('password', 'Password', { type: 'password', required: true, autocomplete: 'current-password' })}
<button type="submit">Sign in</button>
</form>
<h2>Or sign in with a link</h2>
<form method="post" action="/portal/magic-link">
<input type="hidden" name="_csrf" value="${esc(csrf)}">
<label for="link-email">Email address *</label>
<input id="link-email" name="email" type="email" required autocomplete="email" value="${esc(values.email ?? '')}">
<button type="submit" class="secondary">Email me a sign-in link</button>
</form>
<p>No account yet? <a href="/portal/register">Register</a>.</p>`,
  );
}

/** A link from a mail: a GET changes nothing (mail scanners open links), the button does. */
export function confirmLinkPage(kind: 'verify' | 'link', token: string, csrf: string): string {
  const verify = kind === 'verify';
  return portalPage(
    verify ? 'Confirm your address' : 'Sign in',
    `<h1>${verify ? 'Confirm your email address' : 'Sign in to the support portal'}</h1>
<form method="post" action="/portal/${kind}">
<input type="hidden" name="_csrf" value="${esc(csrf)}">
<input type="hidden" name="token" value="${esc(token)}">
<button type="submit">${verify ? 'Confirm my address' : 'Sign me in'}</button>
</form>`,
  );
}

export function messagePage(title: string, text: string, nav: Nav = {}, status = false): string {
  return portalPage(
    title,
    `<h1>${esc(title)}</h1><p${status ? ' role="status"' : ''}>${esc(text)}</p><p><a href="/portal">Go to the portal</a></p>`,
    nav,
  );
}

const STATUS_TEXT: Record<string, string> = {
  new: 'Received',
  open: 'Open',
  pending: 'Waiting for you',
  solved: 'Solved',
  closed: 'Closed',
};

export interface TicketListItem {
  reference: string;
  subject: string;
  status: string;
  channel: string;
  lastActivityAt: Date;
}

export function requestsPage(csrf: string, items: TicketListItem[], verified: boolean, notice?: string): string {
  const rows = items
    .map(
      (t) =>
        `<tr><td><a href="/portal/requests/${esc(t.reference)}">${esc(t.reference)}</a></td><td>${esc(t.subject)}</td><td>${esc(STATUS_TEXT[t.status] ?? t.status)}</td><td>${esc(t.channel)}</td><td><time datetime="${t.lastActivityAt.toISOString()}">${esc(formatDate(t.lastActivityAt))}</time></td></tr>`,
    )
    .join('\n');
  return portalPage(
    'My requests',
    `<h1>My requests</h1>
${notice ? `<p class="notice" role="status">${esc(notice)}</p>` : ''}
${verified ? '' : '<p class="alert" role="alert">Confirm your email address (see the mail we sent you) to see your requests.</p>'}
${
  items.length
    ? `<table><caption class="hint">Every request from your confirmed addresses, by email, form or portal</caption><thead><tr><th scope="col">Reference</th><th scope="col">Subject</th><th scope="col">Status</th><th scope="col">Channel</th><th scope="col">Last activity</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p>No requests yet.</p>'
}
<p><a href="/portal/requests/new">Write a new request</a></p>`,
    { csrf },
  );
}

export interface ConversationView {
  reference: string;
  subject: string;
  status: string;
  messages: Array<{
    author: 'you' | 'support';
    at: Date;
    text: string;
    attachments: Array<{ id: string; filename: string; size: number }>;
  }>;
}

export function conversationPage(
  csrf: string,
  ticket: ConversationView,
  maxAttachments: number,
  maxBytes: number,
  options: { values?: Values; errors?: Errors; notice?: string } = {},
): string {
  const ref = esc(ticket.reference);
  const messages = ticket.messages
    .map(
      (
        m,
      ) => `<article class="msg ${m.author}"><h3>${m.author === 'you' ? 'You' : 'Support'} · <time datetime="${m.at.toISOString()}">${esc(formatDate(m.at))}</time></h3>
<pre>${esc(m.text)}</pre>
${m.attachments.length ? `<ul aria-label="Attachments">${m.attachments.map((a) => `<li><a href="/portal/attachments/${esc(a.id)}">${esc(a.filename)}</a> (${formatSize(a.size)})</li>`).join('')}</ul>` : ''}</article>`,
    )
    .join('\n');
  const solved = ticket.status === 'solved';
  const closed = ticket.status === 'closed';
  const statusForm = closed
    ? '<p class="hint">This request is closed. A reply starts a new request that refers to it.</p>'
    : `<form method="post" action="/portal/requests/${ref}/${solved ? 'reopen' : 'close'}"><input type="hidden" name="_csrf" value="${esc(csrf)}"><button type="submit" class="secondary">${solved ? 'Reopen this request' : 'Mark as solved, thanks'}</button></form>`;
  return portalPage(
    `${ticket.reference} ${ticket.subject}`,
    `<p><a href="/portal/requests">← My requests</a></p>
<h1>${esc(ticket.subject)}</h1>
<p>Reference <strong>${ref}</strong> · Status <strong>${esc(STATUS_TEXT[ticket.status] ?? ticket.status)}</strong></p>
${options.notice ? `<p class="notice" role="status">${esc(options.notice)}</p>` : ''}
${statusForm}
<h2>Conversation</h2>
${messages || '<p>No messages yet.</p>'}
<h2>Reply</h2>
${summary(options.errors)}
<form method="post" action="/portal/requests/${ref}/reply" enctype="multipart/form-data">
<input type="hidden" name="_csrf" value="${esc(csrf)}">
<label for="message">Your reply *</label>
<textarea id="message" name="message" required maxlength="100000"${options.errors?.message ? ' aria-invalid="true" aria-describedby="message-error"' : ''}>${esc(options.values?.message ?? '')}</textarea>
${options.errors?.message ? `<p id="message-error" class="error">Your reply ${esc(options.errors.message)}</p>` : ''}
<label for="attachments">Attachments</label>
<input id="attachments" name="attachments" type="file" multiple aria-describedby="attachments-hint">
<p id="attachments-hint" class="hint">Up to ${maxAttachments} files, ${Math.floor(maxBytes / (1024 * 1024))} MB each.</p>
${options.errors?.attachments ? `<p class="error">Attachments: ${esc(options.errors.attachments)}</p>` : ''}
<button type="submit">Send reply</button>
</form>`,
    { csrf },
  );
}

export function newRequestPage(
  csrf: string,
  addresses: string[],
  maxAttachments: number,
  maxBytes: number,
  values: Values = {},
  errors?: Errors,
): string {
  const options = addresses
    .map((a) => `<option value="${esc(a)}"${values.email === a ? ' selected' : ''}>${esc(a)}</option>`)
    .join('');
  return portalPage(
    'New request',
    `<h1>New request</h1>
${summary(errors)}
<form method="post" action="/portal/requests" enctype="multipart/form-data">
<input type="hidden" name="_csrf" value="${esc(csrf)}">
<label for="email">From *</label>
<select id="email" name="email">${options}</select>
${errors?.email ? `<p class="error">From ${esc(errors.email)}</p>` : ''}
${field('subject', 'Subject', { values, errors, required: true, max: 250 })}
<label for="message">How can we help? *</label>
<textarea id="message" name="message" required maxlength="100000"${errors?.message ? ' aria-invalid="true" aria-describedby="message-error"' : ''}>${esc(values.message ?? '')}</textarea>
${errors?.message ? `<p id="message-error" class="error">Message ${esc(errors.message)}</p>` : ''}
<label for="attachments">Attachments</label>
<input id="attachments" name="attachments" type="file" multiple aria-describedby="attachments-hint">
<p id="attachments-hint" class="hint">Up to ${maxAttachments} files, ${Math.floor(maxBytes / (1024 * 1024))} MB each.</p>
${errors?.attachments ? `<p class="error">Attachments: ${esc(errors.attachments)}</p>` : ''}
<button type="submit">Send request</button>
</form>`,
    { csrf },
  );
}

const PURPOSE_TEXT: Record<string, string> = {
  promotional_email: 'News and offers by email',
  market_research: 'Invitations to market research',
};

export interface MyDataView {
  profile: {
    name: string | null;
    email: string | null;
    company: string | null;
    website: string | null;
    phone: string | null;
    postalAddress: string | null;
  } | null;
  addresses: Array<{ email: string; verified: boolean }>;
  policyVersion: string | null;
  consents: Array<{ purpose: string; granted: boolean; policyVersion: string | null; at: Date | null }>;
  requests: Array<{ type: string; status: string; receivedAt: string; dueAt: string }>;
  signIns: Array<{ at: Date; success: boolean; ip: string | null; browser: string | null; language: string | null }>;
  record: unknown;
}

export function myDataPage(
  csrf: string,
  data: MyDataView,
  options: { errors?: Errors; values?: Values; notice?: string } = {},
): string {
  const p = data.profile;
  const values: Values = options.values ?? {
    name: p?.name ?? '',
    company: p?.company ?? '',
    website: p?.website ?? '',
    phone: p?.phone ?? '',
    postalAddress: p?.postalAddress ?? '',
  };
  const hidden = `<input type="hidden" name="_csrf" value="${esc(csrf)}">`;
  const consents = data.consents
    .map(
      (
        c,
      ) => `<tr><td>${esc(PURPOSE_TEXT[c.purpose] ?? c.purpose)}</td><td>${c.granted ? 'Given' : 'Not given'}${c.policyVersion ? ` (policy version ${esc(c.policyVersion)})` : ''}</td><td>
<form method="post" action="/portal/data/consents" class="inline">${hidden}<input type="hidden" name="purpose" value="${esc(c.purpose)}"><input type="hidden" name="granted" value="${c.granted ? 'false' : 'true'}">
<button type="submit" class="secondary">${c.granted ? 'Withdraw' : 'Give permission'}<span class="hint" style="position:absolute;left:-10000px"> for ${esc(PURPOSE_TEXT[c.purpose] ?? c.purpose)}</span></button></form></td></tr>`,
    )
    .join('');
  const signIns = data.signIns
    .map(
      (s) =>
        `<tr><td><time datetime="${s.at.toISOString()}">${esc(formatDate(s.at))}</time></td><td>${s.success ? 'Signed in' : 'Failed attempt'}</td><td>${esc(s.ip ?? '')}</td><td>${esc(s.browser ?? '')}</td><td>${esc(s.language ?? '')}</td></tr>`,
    )
    .join('');
  const requests = data.requests
    .map(
      (r) =>
        `<li>${esc(r.type)}: ${esc(r.status)} (received ${esc(r.receivedAt.slice(0, 10))}, due ${esc(r.dueAt.slice(0, 10))})</li>`,
    )
    .join('');
  return portalPage(
    'My data',
    `<h1>My data</h1>
${options.notice ? `<p class="notice" role="status">${esc(options.notice)}</p>` : ''}
<p>This page shows all personal data we hold about you: the same content as a data export we would send on request.
<a href="/portal/data/export">Download all of it</a> (a .tar.gz archive with a JSON file and your attachments).</p>
<h2>Your details</h2>
${
  p
    ? `${summary(options.errors)}<form method="post" action="/portal/data/profile">${hidden}
${field('name', 'Name', { values, errors: options.errors, required: true, max: 200, autocomplete: 'name' })}
${field('company', 'Company name', { values, errors: options.errors, max: 200, autocomplete: 'organization' })}
${field('website', 'Company website', { values, errors: options.errors, type: 'url', max: 500, autocomplete: 'url' })}
${field('phone', 'Phone (contact information)', { values, errors: options.errors, type: 'tel', max: 50, autocomplete: 'tel' })}
${field('postalAddress', 'Postal address (contact information)', { values, errors: options.errors, rows: 4, max: 500, autocomplete: 'street-address', hint: 'Up to 6 lines.' })}
<button type="submit">Save corrections</button></form>
<p class="hint">Corrections are recorded as a data-subject request and our staff see them.</p>`
    : '<p>Confirm your email address first.</p>'
}
<h2>Email addresses</h2>
<ul>${data.addresses.map((a) => `<li>${esc(a.email)} — ${a.verified ? 'confirmed' : 'waiting for confirmation'}</li>`).join('')}</ul>
<form method="post" action="/portal/data/addresses">${hidden}
<label for="new-email">Add an address</label><input id="new-email" name="email" type="email" autocomplete="email">
<button type="submit" class="secondary">Send confirmation link</button></form>
<h2>Permissions</h2>
<p class="hint">Current privacy policy version: ${esc(data.policyVersion ?? 'unknown')}.</p>
<table><thead><tr><th scope="col">Purpose</th><th scope="col">Your choice</th><th scope="col">Change</th></tr></thead><tbody>${consents}</tbody></table>
<h2>Data requests</h2>
${requests ? `<ul>${requests}</ul>` : '<p>None.</p>'}
${p ? `<form method="post" action="/portal/data/erasure">${hidden}<p>You can ask us to erase your personal data. Our staff check the request and complete it within 30 days; requests still open stay answerable until then.</p><button type="submit" class="secondary">Request erasure of my data</button></form>` : ''}
<h2>Sign-in history</h2>
${signIns ? `<div class="scroll" tabindex="0" role="region" aria-label="Sign-in history"><table><thead><tr><th scope="col">When</th><th scope="col">Result</th><th scope="col">IP address</th><th scope="col">Browser</th><th scope="col">Language</th></tr></thead><tbody>${signIns}</tbody></table></div>` : '<p>None.</p>'}
<h2>Full record</h2>
<details><summary>Show everything as stored (JSON)</summary><pre class="record">${esc(JSON.stringify(data.record, null, 2) ?? 'null')}</pre></details>`,
    { csrf },
  );
}

/** A friendly error page in the portal's and form's style (413/400/429/5xx for browsers). */
export function errorPage(status: number, title: string, text: string, back: { href: string; label: string }): string {
  return portalPage(
    title,
    `<h1>${esc(title)}</h1><div class="alert" role="alert"><p>${esc(text)}</p></div><p><a href="${esc(back.href)}">${esc(back.label)}</a></p><p class="hint">Error ${status}</p>`,
  );
}

function formatDate(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
