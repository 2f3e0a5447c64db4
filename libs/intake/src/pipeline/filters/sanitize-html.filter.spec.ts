import { resolveAttachmentPlaceholders, sanitizeEmailHtml } from './sanitize-html.filter';

describe('sanitizeEmailHtml', () => {
  it('drops scripts, event handlers, forms, styles sheets and javascript: URLs', () => {
    const { html } = sanitizeEmailHtml(
      '<p onclick="x()">Hi<script>alert(1)</script></p><img src="cid:a" onerror="alert(2)"><a href="javascript:alert(3)">x</a><a href="JaVaScRiPt&colon;alert(4)">y</a><form action="https://evil"><input name="p"></form><style>body{}</style><iframe src="https://evil"></iframe><svg><script>alert(5)</script></svg>',
    );
    expect(html).not.toMatch(/script|onerror|onclick|javascript|<form|<input|<style|<iframe|alert/i);
    expect(html).toContain('Hi');
  });

  it('blocks remote images and counts them; keeps cid: images as attachment placeholders', () => {
    const { html, blockedImages } = sanitizeEmailHtml(
      '<img src="https://tracker.example/p.gif"><img src="//cdn.example/a.png"><img src="cid:logo@x">',
      [
        {
          filename: 'logo.png',
          contentType: 'image/png',
          content: Buffer.alloc(1),
          contentId: '<logo@x>',
          inline: true,
        },
      ],
    );
    expect(blockedImages).toBe(2);
    expect(html).not.toMatch(/ src="(?:https?:)?\/\//);
    expect(html).toContain('data-remote-src="https://tracker.example/p.gif"');
    expect(resolveAttachmentPlaceholders(html, ['att-1'])).toContain('src="/api/attachments/att-1"');
  });

  it('makes links safe to open', () => {
    expect(sanitizeEmailHtml('<a href="https://example.com">x</a>').html).toBe(
      '<a href="https://example.com" rel="noopener noreferrer nofollow" target="_blank">x</a>',
    );
  });
});
