/** The public support form: plain HTML, no script, usable with keyboard and screen readers. */
export function supportPage(options: {
  policyVersion: string;
  /** The current privacy policy text (privacy_policy_versions), shown in a collapsible block. */
  policyText?: string;
  maxAttachments: number;
  maxBytes: number;
}): string {
  const mb = Math.floor(options.maxBytes / (1024 * 1024));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Contact support</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input[type=text], input[type=email], textarea { width: 100%; padding: .5rem; border: 1px solid #555; border-radius: 4px; font: inherit; }
  textarea { min-height: 10rem; }
  .check label { display: inline; font-weight: normal; }
  .check { margin-top: .75rem; }
  .hint { color: #444; font-size: .9rem; }
  .hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
  button { margin-top: 1.5rem; padding: .6rem 1.2rem; font: inherit; background: #0b57d0; color: #fff; border: 0; border-radius: 4px; }
  :focus-visible { outline: 3px solid #f9a825; outline-offset: 2px; }
</style>
</head>
<body>
<main>
<h1>Contact support</h1>
<p>Tell us what you need; we answer by email. Fields marked * are required.</p>
<form method="post" action="/api/requests" enctype="multipart/form-data">
  <label for="name">Your name *</label>
  <input id="name" name="name" type="text" required maxlength="200" autocomplete="name">
  <label for="email">Email address *</label>
  <input id="email" name="email" type="email" required maxlength="254" autocomplete="email">
  <label for="subject">Subject *</label>
  <input id="subject" name="subject" type="text" required maxlength="250">
  <label for="message">How can we help? *</label>
  <textarea id="message" name="message" required maxlength="100000"></textarea>
  <label for="attachments">Attachments</label>
  <input id="attachments" name="attachments" type="file" multiple aria-describedby="attachments-hint">
  <p id="attachments-hint" class="hint">Up to ${options.maxAttachments} files, ${mb} MB each.</p>
  <div class="hp" aria-hidden="true"><label for="website">Leave this empty</label><input id="website" name="website" type="text" tabindex="-1" autocomplete="off"></div>
  <fieldset>
    <legend>Optional permissions (you can withdraw them at any time)</legend>
    <div class="check"><input id="consentPromotionalEmail" name="consentPromotionalEmail" type="checkbox" value="true">
      <label for="consentPromotionalEmail">Send me news and offers by email</label></div>
    <div class="check"><input id="consentMarketResearch" name="consentMarketResearch" type="checkbox" value="true">
      <label for="consentMarketResearch">Invite me to market research</label></div>
  </fieldset>
  <p class="hint">We keep your request only as long as we need it to help you, and we never share or sell it.
  Privacy policy version ${escapeHtml(options.policyVersion)}.</p>
  ${options.policyText ? `<details><summary>Read the privacy policy (version ${escapeHtml(options.policyVersion)})</summary><div class="hint" style="white-space: pre-line">${escapeHtml(options.policyText)}</div></details>` : ''}
  <button type="submit">Send request</button>
</form>
</main>
</body>
</html>`;
}

export function sentPage(reference: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Request received</title>
<style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }</style></head>
<body><main><h1>Thank you</h1>
<p role="status">We received your request. Your reference is <strong>${escapeHtml(reference)}</strong>.</p>
<p><a href="/support">Send another request</a></p></main></body></html>`;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
