import sanitizeHtml from 'sanitize-html';

/**
 * `cid:` images point at attachments whose ids exist only once they are stored, so the sanitiser
 * writes this placeholder plus the attachment's index, and the caller replaces it with
 * `/api/attachments/<attachmentId>` (see `resolveAttachmentPlaceholders`).
 */
export const ATTACHMENT_PLACEHOLDER_SCHEME = 'intake-attachment';

export interface SanitizedHtml {
  html: string;
  blockedImages: number;
}

/**
 * The one HTML allowlist of the desk, for customers' mail (intake) and agents' formatted replies
 * alike. Keeps a safe subset of HTML: no scripts, event handlers, forms, styles sheets or
 * `javascript:` URLs (sanitize-html works from an allowlist, so anything unknown is dropped). Remote
 * images are blocked and counted, with the URL kept in `data-remote-src`.
 */
export function sanitizeEmailHtml<A extends { contentId: string | null }>(
  html: string,
  attachments: readonly A[] = [],
): SanitizedHtml {
  let blockedImages = 0;
  const byCid = new Map<string, number>();
  attachments.forEach((a, i) => {
    if (a.contentId) byCid.set(a.contentId.replace(/^<|>$/g, '').toLowerCase(), i);
  });
  const out = sanitizeHtml(html, {
    allowedTags: sanitizeHtml.defaults.allowedTags.concat(['img', 'font', 'center', 'u', 's', 'del', 'ins']),
    allowedAttributes: {
      a: ['href', 'title', 'rel', 'target'],
      img: ['src', 'alt', 'title', 'width', 'height', 'data-remote-src'],
      table: ['width', 'border', 'cellpadding', 'cellspacing', 'align'],
      td: ['colspan', 'rowspan', 'align', 'valign', 'width'],
      th: ['colspan', 'rowspan', 'align', 'valign', 'width'],
      font: ['color'],
      '*': ['dir', 'lang', 'style'],
    },
    allowedStyles: {
      '*': {
        color: [/^#[0-9a-f]{3,8}$|^rgb\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\)$|^[a-z]+$/i],
        'background-color': [/^#[0-9a-f]{3,8}$|^rgb\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\)$|^[a-z]+$/i],
        'text-align': [/^(?:left|right|center|justify)$/],
        'font-weight': [/^(?:bold|normal|\d{3})$/],
        'font-style': [/^(?:italic|normal)$/],
        'text-decoration': [/^(?:underline|line-through|none)$/],
      },
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: [ATTACHMENT_PLACEHOLDER_SCHEME, 'data'] },
    // data-remote-src is set only by the transform below, and only to an http(s) URL.
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' },
      }),
      img: (tagName, attribs) => {
        const src = (attribs.src ?? '').trim();
        const next: Record<string, string> = { ...attribs };
        delete next.src;
        delete next['data-remote-src'];
        if (/^cid:/i.test(src)) {
          const index = byCid.get(decodeURIComponent(src.slice(4)).replace(/^<|>$/g, '').toLowerCase());
          if (index !== undefined) next.src = `${ATTACHMENT_PLACEHOLDER_SCHEME}:${index}`;
        } else if (/^data:image\/(?:png|gif|jpe?g|webp);base64,/i.test(src)) {
          next.src = src;
        } else if (/^(?:https?:)?\/\//i.test(src)) {
          blockedImages++;
          if (/^https?:\/\//i.test(src)) next['data-remote-src'] = src;
        }
        return { tagName, attribs: next };
      },
    },
  });
  return { html: out, blockedImages };
}

/** `intake-attachment:<index>` → the stored attachment's authenticated URL. */
export function resolveAttachmentPlaceholders(html: string, attachmentIds: string[]): string {
  return html.replace(new RegExp(`${ATTACHMENT_PLACEHOLDER_SCHEME}:(\\d+)`, 'g'), (_m, i: string) => {
    const id = attachmentIds[Number(i)];
    return id ? `/api/attachments/${id}` : '';
  });
}
