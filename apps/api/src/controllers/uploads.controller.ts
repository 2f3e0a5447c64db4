import { checkUploadedFile, type UploadedFile } from '@app/intake';
import { AppConfig } from '@app/config';
import { UploadsService, type StaffActor } from '@app/tickets';
import { Controller, Delete, Get, HttpCode, Param, Post, Res, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import {
  ApiConsumes,
  ApiCookieAuth,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { contentDisposition } from './attachments.controller';
import { Actor } from './current-actor';

/**
 * Files for replies, notes, forwards and new tickets, uploaded before sending (multipart field
 * `files`). The web form's limits apply, and each file is judged like an inbound attachment: a
 * safe name, the type checked against the bytes. An upload is visible to its uploader only.
 */
@ApiTags('uploads')
@ApiCookieAuth()
@ApiUnauthorizedResponse({ description: 'No valid session' })
@Controller('api/uploads')
export class UploadsController {
  constructor(
    private readonly uploads: UploadsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiHeader({ name: 'X-CSRF-Token', description: 'CSRF token from sign-in' })
  @ApiConsumes('multipart/form-data')
  @UseInterceptors(FilesInterceptor('files'))
  @ApiOperation({ summary: 'Upload files to attach later; answers their ids' })
  async create(@UploadedFiles() files: UploadedFile[] | undefined, @Actor() actor: StaffActor) {
    const checked = (files ?? []).map((f) => checkUploadedFile(f.originalname, f.mimetype, f.buffer));
    return { uploads: await this.uploads.create(actor, checked) };
  }

  @Get(':id/content')
  @ApiOperation({ summary: 'The bytes of an own upload (images inline, everything else as a download)' })
  @ApiNotFoundResponse({ description: 'No such upload of the caller' })
  async content(@Param('id') id: string, @Actor() actor: StaffActor, @Res() res: Response): Promise<void> {
    const { meta, data, inlineSafe } = await this.uploads.content(actor, id);
    res.setHeader('Content-Type', inlineSafe ? meta.contentType : 'application/octet-stream');
    res.setHeader('Content-Disposition', contentDisposition(inlineSafe ? 'inline' : 'attachment', meta.filename));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; sandbox");
    res.setHeader('Cache-Control', 'private, no-store');
    res.end(data);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiHeader({ name: 'X-CSRF-Token', description: 'CSRF token from sign-in' })
  @ApiOperation({ summary: 'Remove an own upload before sending' })
  async remove(@Param('id') id: string, @Actor() actor: StaffActor): Promise<void> {
    await this.uploads.remove(actor, id);
  }

  @Get('limits')
  @ApiOperation({ summary: 'Upload limits and whether outgoing mail is configured (the composer shows both)' })
  limits() {
    const v = this.config.values;
    return {
      maxFiles: v.FORM_MAX_ATTACHMENTS,
      maxBytes: v.FORM_MAX_ATTACHMENT_BYTES,
      smtpConfigured: !!v.SMTP_URL,
    };
  }
}
