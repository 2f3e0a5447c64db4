import { TicketQueryService, type StaffActor } from '@app/tickets';
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiNotFoundResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor } from './current-actor';

/** Raster formats a browser cannot execute; everything else (SVG, HTML, PDF…) is only ever downloaded. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

@ApiTags('attachments')
@ApiCookieAuth()
@Controller('api/attachments')
export class AttachmentsController {
  constructor(private readonly tickets: TicketQueryService) {}

  @Get(':id')
  @ApiOperation({
    summary: 'Download an attachment (Content-Disposition: attachment); PNG/JPEG/GIF/WebP may be previewed inline',
  })
  @ApiQuery({ name: 'inline', required: false, description: '1 to preview an image inline' })
  @ApiNotFoundResponse({ description: 'No such attachment, or its ticket is not visible to the caller' })
  async download(
    @Param('id') id: string,
    @Query('inline') inline: string | undefined,
    @Actor() actor: StaffActor,
    @Res() res: Response,
  ): Promise<void> {
    const { meta, data } = await this.tickets.attachment(id, actor);
    const type = meta.contentType.toLowerCase().split(';')[0]?.trim() ?? '';
    const preview = inline === '1' && INLINE_TYPES.has(type);
    res.setHeader('Content-Type', preview ? type : 'application/octet-stream');
    res.setHeader('Content-Disposition', contentDisposition(preview ? 'inline' : 'attachment', meta.filename));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Even if a browser rendered it, nothing in it may run or load.
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; sandbox");
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Content-Length', String(data.length));
    res.end(data);
  }
}

/** RFC 6266 with an ASCII fallback and the exact name in RFC 5987 `filename*`. */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  // Control characters (CR/LF could split the header) are dropped.
  const cleaned =
    [...filename]
      .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
      .join('')
      .trim() || 'attachment';
  const ascii = cleaned.replace(/[^\x20-\x7e]/g, '_').replace(/["\\/]/g, '_');
  const encoded = encodeURIComponent(cleaned).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
