import { AppConfig } from '@app/config';
import { PRIVACY_POLICY_VERSION } from '@app/intake';
import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../guards/auth.decorators';
import { sentPage, supportPage } from '../pages/support-page';

const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

@ApiExcludeController()
@Controller('support')
export class SupportPageController {
  private readonly page: string;

  constructor(config: AppConfig) {
    this.page = supportPage({
      policyVersion: PRIVACY_POLICY_VERSION,
      maxAttachments: config.values.FORM_MAX_ATTACHMENTS,
      maxBytes: config.values.FORM_MAX_ATTACHMENT_BYTES,
    });
  }

  @Public()
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_CSP)
  form(): string {
    return this.page;
  }

  @Public()
  @Get('sent')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_CSP)
  sent(@Query('reference') reference?: string): string {
    return sentPage(/^T-\d{1,15}$/.test(reference ?? '') ? (reference as string) : 'unknown');
  }
}
