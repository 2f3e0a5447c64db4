// Pure text helpers of the composer and the new-ticket form (no DOM, no editor: unit-tested).

/** Addresses typed into one field, separated by commas, semicolons or spaces. */
export function splitAddresses(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((a) => a.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

/** Plain text as editor HTML: one paragraph per blank-line block, line breaks kept. */
export function textToHtml(text: string): string {
  const escape = (s: string) =>
    s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
  return text
    .split(/\n{2,}/)
    .map((block) => `<p>${escape(block).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/**
 * Whether the editor's HTML holds more than paragraphs and line breaks. Unformatted text is sent
 * as plain text only (a text/plain mail, shown as text), as a plain textarea would have sent it.
 */
export function hasFormatting(html: string): boolean {
  return /<(?!\/?(p|br)\b)[a-z/]/i.test(html);
}
