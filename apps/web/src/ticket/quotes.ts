// Finds the quoted history of an email for display: the conversation above already shows it, so
// it is collapsed behind a toggle. The stored message is never changed.

const ATTRIBUTION = /^\s*(On\b.{1,300}\bwrote|Am\b.{1,300}\bschrieb|Le\b.{1,300}\ba écrit)\s*:?\s*$/i;
const SEPARATOR = /^\s*(-{2,}\s*(Original Message|Forwarded message|Ursprüngliche Nachricht)\s*-{2,}|_{20,})\s*$/i;

export function splitTextQuote(text: string): { main: string; quoted: string | null } {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const at = lines.findIndex(
    (l, i) =>
      ATTRIBUTION.test(l) ||
      SEPARATOR.test(l) ||
      (/^\s*>/.test(l) && lines.slice(i).every((x) => /^\s*>/.test(x) || x.trim() === '')),
  );
  if (at <= 0) return { main: text, quoted: null };
  const main = lines.slice(0, at).join('\n').trimEnd();
  return main.trim() ? { main, quoted: lines.slice(at).join('\n') } : { main: text, quoted: null };
}

const QUOTE_SELECTORS = [
  '.gmail_quote',
  'blockquote[type="cite"]',
  '#appendonsend',
  'div[id^="divRplyFwdMsg"]',
  '.moz-cite-prefix',
  'body > blockquote',
];

/**
 * Splits sanitised HTML at the first quote container. DOMParser documents are inert: nothing in
 * them runs or loads, so this is safe even for hostile markup (which is rendered in a sandbox anyway).
 */
export function splitHtmlQuote(html: string): { main: string; quoted: string | null } {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const quote = doc.body.querySelector(QUOTE_SELECTORS.join(','));
  if (!quote) return { main: html, quoted: null };
  // Everything from the quote onwards (the quote and its later siblings) is history.
  const quotedParts: string[] = [];
  let node: ChildNode | null = quote;
  const parent = quote.parentNode;
  while (node && node.parentNode === parent) {
    const next: ChildNode | null = node.nextSibling;
    quotedParts.push(node.nodeType === 1 ? (node as Element).outerHTML : (node.textContent ?? ''));
    node.remove();
    node = next;
  }
  const main = doc.body.innerHTML;
  if (!doc.body.textContent?.trim()) return { main: html, quoted: null };
  return { main, quoted: quotedParts.join('') };
}
