import { AuthError, AuthService } from '@app/auth';
import { safeEqual } from '@app/common';
import type { UserRole } from '@app/database';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE, ROLES, TWO_FACTOR_SETUP_ALLOWED, type AuthedRequest } from './auth.decorators';

export const SESSION_COOKIE = 'intake_session';
export const CSRF_COOKIE = 'intake_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every route needs a session unless marked @Public. State-changing requests must also echo the
 * session's CSRF token in the X-CSRF-Token header (synchronizer token: a cross-site page can send
 * the cookie but cannot read the token). A user whose role requires two-factor sign-in and who has
 * not set it up reaches only the routes marked @TwoFactorSetupAllowed. Roles are checked last.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const cookies = req.cookies as Record<string, string> | undefined;
    const user = await this.auth.authenticate(cookies?.[SESSION_COOKIE]);
    if (!user) throw new AuthError('unauthenticated', 'Sign in first');
    if (!SAFE_METHODS.has(req.method)) {
      const header = req.header(CSRF_HEADER);
      if (!header || !safeEqual(header, user.csrfToken))
        throw new AuthError('csrf_failed', 'Missing or wrong CSRF token');
    }
    if (user.twoFactorSetupRequired && !this.reflector.getAllAndOverride<boolean>(TWO_FACTOR_SETUP_ALLOWED, targets)) {
      throw new AuthError('two_factor_setup_required', 'Turn on two-factor sign-in first (your role requires it)');
    }
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(user.role)) throw new AuthError('forbidden', 'Your role may not do this');
    req.user = user;
    return true;
  }
}
