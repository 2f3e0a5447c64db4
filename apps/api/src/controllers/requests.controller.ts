import { StageFormRequest, type UploadedFile } from '@app/intake';
import { Body, Controller, HttpCode, Post, Req, Res, UploadedFiles, UseGuards, UseInterceptors } from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { FormRequestDto } from '../dto/form-request.dto';
import { Public } from '../guards/auth.decorators';

@ApiTags('public')
@Controller('api/requests')
export class RequestsController {
  constructor(private readonly stage: StageFormRequest) {}

  /**
   * Public web-form intake. Answers 202 with the ticket reference once the request is safely
   * stored and queued; the ticket itself is created by a worker moments later. A browser posting
   * the HTML form without JavaScript is redirected to a confirmation page instead.
   */
  @Public()
  @Post()
  @HttpCode(202)
  @UseGuards(ThrottlerGuard)
  @SkipThrottle({ login: true })
  @UseInterceptors(FilesInterceptor('attachments'))
  @ApiOperation({ summary: 'Submit a support request (JSON or multipart/form-data)' })
  @ApiConsumes('application/json', 'multipart/form-data', 'application/x-www-form-urlencoded')
  @ApiAcceptedResponse({ description: 'Stored and queued', schema: { example: { reference: 'T-10042' } } })
  @ApiBadRequestResponse({ description: 'Field-level errors in `fields`' })
  async submit(
    @Body() body: FormRequestDto,
    @UploadedFiles() files: UploadedFile[] | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ reference: string } | undefined> {
    const result = await this.stage.execute({
      body: (body ?? {}) as unknown as Record<string, unknown>,
      files: files ?? [],
      ip: req.ip,
    });
    const reference = result.reference;
    if (wantsHtml(req)) {
      res.redirect(303, `/support/sent?reference=${encodeURIComponent(reference)}`);
      return undefined;
    }
    return { reference };
  }
}

function wantsHtml(req: Request): boolean {
  const accept = req.header('accept') ?? '';
  return accept.includes('text/html') && !req.is('application/json');
}
