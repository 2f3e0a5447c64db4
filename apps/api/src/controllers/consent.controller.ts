import { ConsentService, PrivacyError } from '@app/privacy';
import { Body, Controller, Get, Header, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../guards/auth.decorators';
import { withdrawConfirmPage, withdrawDonePage, withdrawInvalidPage } from '../pages/withdrawal-page';

const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Public consent withdrawal from a signed link in an email: GET shows a confirmation page, POST
 * withdraws. No sign-in; the HMAC token names only a contact id and a purpose.
 */
@ApiExcludeController()
@Controller('support/consent')
export class ConsentController {
  constructor(private readonly consents: ConsentService) {}

  @Public()
  @Get('withdraw')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_CSP)
  @Header('Cache-Control', 'no-store')
  confirm(@Query('token') token: string | undefined, @Res({ passthrough: true }) res: Response): string {
    try {
      const { purpose } = this.consents.checkWithdrawalToken(token ?? '');
      return withdrawConfirmPage(token ?? '', purpose);
    } catch (error) {
      if (!(error instanceof PrivacyError)) throw error;
      res.status(400);
      return withdrawInvalidPage();
    }
  }

  @Public()
  @Post('withdraw')
  @HttpCode(200)
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', PAGE_CSP)
  @Header('Cache-Control', 'no-store')
  async withdraw(
    @Body() body: { token?: unknown } | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    try {
      const purpose = await this.consents.withdrawByToken(typeof body?.token === 'string' ? body.token : '', req.ip);
      return withdrawDonePage(purpose);
    } catch (error) {
      if (!(error instanceof PrivacyError)) throw error;
      res.status(400);
      return withdrawInvalidPage();
    }
  }
}
