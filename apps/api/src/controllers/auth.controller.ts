import {
  AuthError,
  AuthService,
  TwoFactorService,
  UsersService,
  type AuthenticatedUser,
  type LoginResult,
} from '@app/auth';
import { userActor } from '@app/audit';
import { AppConfig } from '@app/config';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
import type { CookieOptions, Request, Response } from 'express';
import { LoginDto } from '../dto/form-request.dto';
import { CurrentUser, Public, TwoFactorSetupAllowed } from '../guards/auth.decorators';
import { SameOriginGuard } from '../guards/same-origin.guard';
import { CSRF_COOKIE, SESSION_COOKIE } from '../guards/session.guard';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly twoFactor: TwoFactorService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @UseGuards(SameOriginGuard, ThrottlerGuard)
  @SkipThrottle({ form: true })
  @ApiOperation({
    summary:
      'Sign in; sets an httpOnly session cookie and returns the CSRF token. Accounts with two-factor sign-in answer 401 otp_required until `otp` is given',
  })
  async login(@Body() body: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    if (typeof body?.email !== 'string' || typeof body?.password !== 'string' || body.password.length > 1024) {
      throw new AuthError('invalid_credentials', 'Email or password is wrong');
    }
    if (body.otp !== undefined && (typeof body.otp !== 'string' || body.otp.length > 40)) {
      throw new AuthError('invalid_otp', 'That code is not right');
    }
    const result = await this.auth.login(
      { email: body.email, password: body.password, otp: body.otp },
      { ip: req.ip, userAgent: req.header('user-agent'), acceptLanguage: req.header('accept-language') },
    );
    return sessionResponse(result, res, this.config.cookieSecure);
  }

  @Post('logout')
  @HttpCode(204)
  @TwoFactorSetupAllowed()
  async logout(@CurrentUser() user: AuthenticatedUser, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.logout(user);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.clearCookie(CSRF_COOKIE, { path: '/' });
  }

  @Get('me')
  @TwoFactorSetupAllowed()
  me(@CurrentUser() user: AuthenticatedUser) {
    return { user: publicUser(user), csrfToken: user.csrfToken };
  }

  @Post('password')
  @HttpCode(200)
  @TwoFactorSetupAllowed()
  @ApiOperation({ summary: 'Change your password (current one required); ends your other sessions' })
  @ApiBody({ schema: { example: { currentPassword: 'old password', newPassword: 'a new long password' } } })
  changePassword(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: { currentPassword?: unknown; newPassword?: unknown },
  ) {
    return this.auth.changePassword(user, body?.currentPassword, body?.newPassword);
  }

  @Get('2fa')
  @TwoFactorSetupAllowed()
  @ApiOperation({ summary: 'Your two-factor status' })
  twoFactorStatus(@CurrentUser() user: AuthenticatedUser) {
    return this.twoFactor.status(user.id);
  }

  @Post('2fa/setup')
  @HttpCode(200)
  @TwoFactorSetupAllowed()
  @ApiOperation({ summary: 'Start two-factor set-up: a new TOTP secret (shown once) as otpauth:// URL' })
  beginTwoFactor(@CurrentUser() user: AuthenticatedUser) {
    return this.twoFactor.begin(user.id);
  }

  @Post('2fa/confirm')
  @HttpCode(200)
  @TwoFactorSetupAllowed()
  @ApiOperation({ summary: 'Confirm set-up with a first code; returns ten one-time recovery codes (shown once)' })
  @ApiBody({ schema: { example: { code: '123456' } } })
  confirmTwoFactor(@CurrentUser() user: AuthenticatedUser, @Body() body: { code?: unknown }) {
    if (typeof body?.code !== 'string') throw new AuthError('invalid_otp', 'That code is not right');
    return this.twoFactor.confirm(user.id, body.code.replace(/\s+/g, ''));
  }

  @Post('2fa/recovery-codes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace your recovery codes (password required)' })
  regenerateCodes(@CurrentUser() user: AuthenticatedUser, @Body() body: { password?: unknown }) {
    if (typeof body?.password !== 'string') throw new AuthError('invalid_credentials', 'The password is wrong');
    return this.twoFactor.regenerate(user.id, body.password);
  }

  @Delete('2fa')
  @HttpCode(204)
  @ApiOperation({ summary: 'Turn two-factor sign-in off (your password required in the body)' })
  async disableTwoFactor(@CurrentUser() user: AuthenticatedUser, @Body() body: { password?: unknown }): Promise<void> {
    if (typeof body?.password !== 'string') throw new AuthError('invalid_credentials', 'The password is wrong');
    await this.twoFactor.disable(userActor(user.id), user.id, body.password);
  }

  @Public()
  @Get('password-link/:token')
  @ApiOperation({ summary: 'What a one-time password link is for (invitation or reset), without using it' })
  inspectLink(@Param('token') token: string) {
    return this.users.inspectLink(token);
  }

  @Public()
  @Post('password-link')
  @HttpCode(200)
  @UseGuards(SameOriginGuard, ThrottlerGuard)
  @SkipThrottle({ form: true })
  @ApiOperation({ summary: 'Set a password through a one-time link (invitation or reset); then sign in' })
  @ApiBody({ schema: { example: { token: 'from the link', password: 'a new long password' } } })
  completeLink(@Body() body: { token?: unknown; password?: unknown }) {
    return this.users.completeLink(body?.token, body?.password);
  }
}

export function sessionResponse(result: LoginResult, res: Response, secure: boolean) {
  const base: CookieOptions = { secure, sameSite: 'lax', path: '/', expires: result.expiresAt };
  res.cookie(SESSION_COOKIE, result.token, { ...base, httpOnly: true });
  // Readable by the web app so it can echo it in X-CSRF-Token.
  res.cookie(CSRF_COOKIE, result.user.csrfToken, { ...base, httpOnly: false });
  return { user: publicUser(result.user), csrfToken: result.user.csrfToken };
}

function publicUser(user: AuthenticatedUser) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    twoFactorSetupRequired: user.twoFactorSetupRequired,
  };
}
