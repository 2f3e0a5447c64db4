import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { splitHtmlQuote, splitTextQuote } from './quotes';

// The message HTML was sanitised at intake; it is still treated as hostile: it renders in an
// iframe with an empty sandbox (no scripts, no forms, no popups, an opaque origin) and a CSP that
// allows nothing but inline styles and data: images — plus remote http(s) images once the agent
// asks for them (loading them tells the sender that and when the mail was read).
//
// Inline `cid:` images were rewritten at intake to `/api/attachments/<id>`. The frame cannot load
// those itself: its origin is opaque, so the browser sends no SameSite session cookie and the
// server rightly answers 401. Giving the frame our origin (allow-same-origin) would weaken the
// sandbox, so this page fetches the images with the agent's session and hands them to the frame
// as data: URLs. The frame never makes an authenticated request.
function frameCsp(remote: boolean): string {
  return `default-src 'none'; img-src data:${remote ? ' https: http:' : ''}; style-src 'unsafe-inline'`;
}

const ATTACHMENT_URL = /^\/api\/attachments\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const INLINE_IMAGE = /^image\/(png|jpeg|gif|webp)$/;
/** Larger inline images are left out of the frame (they stay downloadable from the attachment list). */
const MAX_INLINE_BYTES = 5 * 1024 * 1024;

/** Attachment ids of the inline images an HTML body refers to. */
export function inlineImageIds(html: string): string[] {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const ids = Array.from(doc.querySelectorAll('img'))
    .map((img) => ATTACHMENT_URL.exec(img.getAttribute('src') ?? '')?.[1])
    .filter((id): id is string => !!id);
  return [...new Set(ids)];
}

async function toDataUrl(id: string): Promise<string | null> {
  const res = await fetch(`/api/attachments/${id}?inline=1`, { credentials: 'same-origin' });
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok || !INLINE_IMAGE.test(type)) return null;
  const blob = await res.blob();
  if (blob.size > MAX_INLINE_BYTES) return null;
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : null);
    reader.onerror = () => resolve(null);
    reader.readAsDataURL(blob);
  });
}

/**
 * Puts the fetched inline images in place (an image that could not be fetched loses its src and
 * shows its alt text), and restores remote images from `data-remote-src` (set by the intake
 * sanitiser) when the agent chose to see them. Works on an inert DOMParser document: nothing loads
 * or runs while it is rewritten.
 */
export function prepareHtml(html: string, images: ReadonlyMap<string, string>, remote: boolean): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const img of Array.from(doc.querySelectorAll('img'))) {
    const attachment = ATTACHMENT_URL.exec(img.getAttribute('src') ?? '');
    if (attachment) {
      const data = images.get(attachment[1] ?? '');
      if (data) img.setAttribute('src', data);
      else img.removeAttribute('src');
    }
    const remoteSrc = img.getAttribute('data-remote-src');
    if (remote && remoteSrc && /^https?:\/\//i.test(remoteSrc)) img.setAttribute('src', remoteSrc);
  }
  return doc.body.innerHTML;
}

export function countRemoteImages(html: string): number {
  return (html.match(/\bdata-remote-src=/gi) ?? []).length;
}

function srcdoc(html: string, images: ReadonlyMap<string, string>, remote: boolean): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${frameCsp(remote)}"><meta name="referrer" content="no-referrer"><style>body{font:14px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;overflow-wrap:anywhere}img{max-width:100%;height:auto}blockquote{margin:0 0 0 .5em;padding-left:.75em;border-left:3px solid #ccc;color:#555}</style></head><body>${prepareHtml(html, images, remote)}</body></html>`;
}

function estimateHeight(html: string): number {
  const text = html.replace(/<[^>]*>/g, '');
  const breaks = (html.match(/<(br|p|div|li|tr|h\d)\b/gi) ?? []).length;
  // Images count with their declared height (capped), or a guess when they declare none.
  const images = (html.match(/<img\b[^>]*>/gi) ?? []).reduce((sum, tag) => {
    const declared = /\bheight="?(\d+)/i.exec(tag)?.[1];
    return sum + Math.min(declared ? Number(declared) + 8 : 160, 400);
  }, 0);
  return Math.min(700, Math.max(90, Math.ceil(text.length / 70) * 21 + breaks * 21 + images + 32));
}

function HtmlFrame(props: { html: string; title: string; remote: boolean; images: ReadonlyMap<string, string> }) {
  const { html, title, remote, images } = props;
  const doc = useMemo(() => srcdoc(html, images, remote), [html, images, remote]);
  return (
    <iframe
      className="message-frame"
      sandbox=""
      srcDoc={doc}
      title={title}
      referrerPolicy="no-referrer"
      style={{ height: `${estimateHeight(html)}px` }}
    />
  );
}

const NO_IMAGES: ReadonlyMap<string, string> = new Map();

export function MessageBody({ text, html, label }: { text: string; html: string | null; label: string }) {
  const split = useMemo(() => (html ? splitHtmlQuote(html) : splitTextQuote(text)), [text, html]);
  const [remote, setRemote] = useState(false);
  const blocked = html ? countRemoteImages(html) : 0;
  const ids = useMemo(() => (html ? inlineImageIds(html) : []), [html]);
  const inline = useQuery({
    queryKey: ['inline-images', ids],
    queryFn: async () => {
      const entries = await Promise.all(ids.map(async (id) => [id, await toDataUrl(id)] as const));
      return new Map(entries.filter((e): e is readonly [string, string] => e[1] !== null));
    },
    enabled: ids.length > 0,
    staleTime: Infinity,
  });
  const images = inline.data ?? NO_IMAGES;
  return (
    <div className="message-body">
      {blocked > 0 && (
        <p className="remote-images" role="status">
          {remote ? (
            <>
              Remote images shown.{' '}
              <button type="button" className="link" onClick={() => setRemote(false)}>
                Block them again
              </button>
            </>
          ) : (
            <>
              {blocked === 1 ? '1 remote image blocked' : `${blocked} remote images blocked`} (loading them tells the
              sender you read this).{' '}
              <button type="button" className="link" onClick={() => setRemote(true)}>
                Show remote images
              </button>
            </>
          )}
        </p>
      )}
      {html ? (
        <HtmlFrame html={split.main} title={label} remote={remote} images={images} />
      ) : (
        <div className="text-body">{split.main}</div>
      )}
      {split.quoted && (
        <details className="quoted">
          <summary>Show quoted history</summary>
          {html ? (
            <HtmlFrame html={split.quoted} title={`${label}, quoted history`} remote={remote} images={images} />
          ) : (
            <div className="text-body">{split.quoted}</div>
          )}
        </details>
      )}
    </div>
  );
}
