import { AppConfig } from '@app/config';
import { PRIVACY_POLICY_VERSION } from '@app/intake';
import { PrivacyPolicyService } from '@app/privacy';
import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../guards/auth.decorators';
import { sentPage, supportPage } from '../pages/support-page';

const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

@ApiExcludeController()
@Controller('support')
export class SupportPageController {
  constructor(
    private readonly config: AppConfig,
    private readonly policies: PrivacyPolicyService,
  ) {}

  @Public()
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_CSP)
  async form(): Promise<string> {
    // The policy in force is read per request: publishing a new version shows at once.
    const policy = await this.policies.current();
    return supportPage({
      policyVersion: policy?.version ?? PRIVACY_POLICY_VERSION,
      policyText: policy?.text,
      maxAttachments: this.config.values.FORM_MAX_ATTACHMENTS,
      maxBytes: this.config.values.FORM_MAX_ATTACHMENT_BYTES,
    });
  }

  @Public()
  @Get('sent')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_CSP)
  sent(@Query('reference') reference?: string): string {
    return sentPage(/^T-\d{1,15}$/.test(reference ?? '') ? (reference as string) : 'unknown');
  }
}
