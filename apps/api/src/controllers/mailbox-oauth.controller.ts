import { UserRole } from '@app/database';
import { MailboxOAuthService } from '@app/intake';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../guards/auth.decorators';

/**
 * Connecting a mailbox with OAuth2 (Google Workspace, Microsoft 365, another provider): an admin
 * starts the authorization-code flow (PKCE), signs in at the provider, and the provider sends the
 * browser back to the callback, which stores the encrypted refresh token. Admins only, callback
 * included (the admin's session cookie comes along on the provider's redirect).
 */
@ApiTags('admin: mailboxes')
@ApiCookieAuth()
@Roles(UserRole.Admin)
@Controller()
export class MailboxOAuthController {
  constructor(private readonly oauth: MailboxOAuthService) {}

  @Get('api/admin/mailboxes-oauth/providers')
  @ApiOperation({ summary: 'OAuth2 providers this installation has a client for, with their servers' })
  providers() {
    return { providers: this.oauth.providers(), redirectUri: this.oauth.redirectUri };
  }

  @Post('api/admin/mailboxes/:id/oauth/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start connecting the mailbox with OAuth2; answers the URL to open' })
  @ApiBody({ schema: { example: { provider: 'google' } } })
  start(@Param('id') id: string, @Body() body: { provider?: unknown }) {
    return this.oauth.start(id, typeof body?.provider === 'string' ? body.provider : '');
  }

  @Post('api/admin/mailboxes/:id/oauth/revoke')
  @HttpCode(204)
  @ApiOperation({ summary: 'Disconnect: revoke the grant at the provider and forget the tokens' })
  async revoke(@Param('id') id: string): Promise<void> {
    await this.oauth.revoke(id);
  }

  @Get('api/mailboxes/oauth/callback')
  @ApiOperation({ summary: 'Where the provider sends the browser back (code and state)' })
  async callback(@Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    // A small page of its own (the browser lands here from the provider), linking back to Settings.
    let ok = true;
    try {
      await this.oauth.complete(query);
    } catch {
      ok = false;
    }
    const title = ok ? 'Mailbox connected' : 'Mailbox not connected';
    const text = ok
      ? 'Intake will read and send this mailbox with the authorisation you gave.'
      : 'The authorisation was refused, expired or already used. Start again from Settings.';
    res.status(ok ? 200 : 400);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
        `<body><main><h1>${title}</h1><p>${text}</p><p><a href="/settings">Back to Settings</a></p></main></body></html>`,
    );
  }
}
