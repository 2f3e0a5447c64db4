import type { IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

export interface SplitText {
  /** What the sender wrote this time. */
  visible: string;
  signature: string | null;
  quoted: string | null;
}

// "On <date>, <name> wrote:" and its translations; may be wrapped over two lines.
const ATTRIBUTION =
  /^\s*(?:On\b.{1,300}\bwrote|Am\b.{1,300}\bschrieb|Le\b.{1,300}\ba écrit|El\b.{1,300}\bescribió|Il\b.{1,300}\bha scritto|Op\b.{1,300}\bschreef|Em\b.{1,300}\bescreveu|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}.{0,200}(?:wrote|написал|schrieb))\s*:?\s*$/i;
const SEPARATOR =
  /^\s*(?:-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Forwarded message)\s*-{2,}|_{20,}|-{20,})\s*$/i;
const OUTLOOK_FROM = /^\s*\*?(?:From|Von|De|Da|Van)\s*:\*?\s+\S/i;
const OUTLOOK_NEXT = /^\s*\*?(?:Sent|Date|To|Subject|Gesendet|Datum|An|Betreff|Envoyé|Objet|Enviado|Asunto)\s*:/i;

/**
 * Separates the new text of a reply from the quoted history and the signature, for display only:
 * the full original stays stored beside it. Finds the first quote header (attribution line,
 * "Original Message" separator, an Outlook From:/Sent: block, or a run of `>` lines that lasts to
 * the end), then a `-- ` signature delimiter above it.
 */
export function splitQuotedText(text: string): SplitText {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let quoteAt = -1;
  for (let i = 0; i < lines.length && quoteAt < 0; i++) {
    const line = lines[i];
    if (
      ATTRIBUTION.test(line) ||
      (i + 1 < lines.length &&
        ATTRIBUTION.test(`${line} ${lines[i + 1]}`) &&
        /wrote|schrieb|écrit|escribió|scritto|schreef|escreveu/i.test(lines[i + 1]))
    ) {
      quoteAt = i;
    } else if (SEPARATOR.test(line)) {
      quoteAt = i;
    } else if (OUTLOOK_FROM.test(line) && lines.slice(i + 1, i + 5).some((l) => OUTLOOK_NEXT.test(l))) {
      quoteAt = i;
    } else if (/^\s*>/.test(line) && lines.slice(i).every((l) => /^\s*>/.test(l) || l.trim() === '')) {
      quoteAt = i;
    }
  }
  const head = quoteAt >= 0 ? lines.slice(0, quoteAt) : lines;
  const quoted = quoteAt >= 0 ? lines.slice(quoteAt).join('\n').trim() : null;
  const sigAt = head.findIndex((l) => /^-- ?$/.test(l));
  const body = sigAt >= 0 ? head.slice(0, sigAt) : head;
  const signature =
    sigAt >= 0
      ? head
          .slice(sigAt + 1)
          .join('\n')
          .trim() || null
      : null;
  const visible = body.join('\n').trim();
  // Nothing new above the quote (a bare forward, or an unusual client): show everything.
  if (!visible) return { visible: text.trim(), signature: null, quoted: null };
  return { visible, signature, quoted: quoted || null };
}

export class SplitQuotesFilter implements IntakeFilter {
  readonly name = 'split-quotes';

  run(ctx: IntakeContext): void {
    const text = ctx.message?.text;
    if (!text || ctx.form) return;
    const split = splitQuotedText(text);
    ctx.visibleText = split.visible;
    ctx.signature = split.signature;
    ctx.quotedText = split.quoted;
  }
}
