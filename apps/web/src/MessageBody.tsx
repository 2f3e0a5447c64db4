import { useMemo } from 'react';
import { splitHtmlQuote, splitTextQuote } from './quotes';

// The message HTML was sanitised at intake; it is still treated as hostile: it renders in an
// iframe with an empty sandbox (no scripts, no forms, no popups, an opaque origin) and a CSP that
// allows nothing but inline styles and data: or same-origin images.
const FRAME_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

function srcdoc(html: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${FRAME_CSP}"><style>body{font:14px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;overflow-wrap:anywhere}img{max-width:100%;height:auto}blockquote{margin:0 0 0 .5em;padding-left:.75em;border-left:3px solid #ccc;color:#555}</style></head><body>${html}</body></html>`;
}

function estimateHeight(html: string): number {
  const text = html.replace(/<[^>]*>/g, '');
  const breaks = (html.match(/<(br|p|div|li|tr|h\d)\b/gi) ?? []).length;
  return Math.min(700, Math.max(90, Math.ceil(text.length / 70) * 21 + breaks * 21 + 32));
}

function HtmlFrame({ html, title }: { html: string; title: string }) {
  return (
    <iframe
      className="message-frame"
      sandbox=""
      srcDoc={srcdoc(html)}
      title={title}
      referrerPolicy="no-referrer"
      style={{ height: `${estimateHeight(html)}px` }}
    />
  );
}

export function MessageBody({ text, html, label }: { text: string; html: string | null; label: string }) {
  const split = useMemo(() => (html ? splitHtmlQuote(html) : splitTextQuote(text)), [text, html]);
  return (
    <div className="message-body">
      {html ? <HtmlFrame html={split.main} title={label} /> : <div className="text-body">{split.main}</div>}
      {split.quoted && (
        <details className="quoted">
          <summary>Show quoted history</summary>
          {html ? (
            <HtmlFrame html={split.quoted} title={`${label}, quoted history`} />
          ) : (
            <div className="text-body">{split.quoted}</div>
          )}
        </details>
      )}
    </div>
  );
}
