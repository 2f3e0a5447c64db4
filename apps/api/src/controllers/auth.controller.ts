import { AuthError, AuthService, type AuthenticatedUser } from '@app/auth';
import { AppConfig } from '@app/config';
import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
import type { CookieOptions, Request, Response } from 'express';
import { LoginDto } from '../dto/form-request.dto';
import { CurrentUser, Public } from '../guards/auth.decorators';
import { CSRF_COOKIE, SESSION_COOKIE } from '../guards/session.guard';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @UseGuards(ThrottlerGuard)
  @SkipThrottle({ form: true })
  @ApiOperation({ summary: 'Sign in; sets an httpOnly session cookie and returns the CSRF token' })
  async login(@Body() body: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    if (typeof body?.email !== 'string' || typeof body?.password !== 'string') {
      throw new AuthError('invalid_credentials', 'Email or password is wrong');
    }
    const result = await this.auth.login(body.email, body.password, {
      ip: req.ip,
      userAgent: req.header('user-agent'),
      acceptLanguage: req.header('accept-language'),
    });
    const base: CookieOptions = {
      secure: this.config.cookieSecure,
      sameSite: 'lax',
      path: '/',
      expires: result.expiresAt,
    };
    res.cookie(SESSION_COOKIE, result.token, { ...base, httpOnly: true });
    // Readable by the web app so it can echo it in X-CSRF-Token.
    res.cookie(CSRF_COOKIE, result.user.csrfToken, { ...base, httpOnly: false });
    return { user: publicUser(result.user), csrfToken: result.user.csrfToken };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentUser() user: AuthenticatedUser, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.logout(user.sessionId);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.clearCookie(CSRF_COOKIE, { path: '/' });
  }

  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser) {
    return { user: publicUser(user), csrfToken: user.csrfToken };
  }
}

function publicUser(user: AuthenticatedUser) {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
