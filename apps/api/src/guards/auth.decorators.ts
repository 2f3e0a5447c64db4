import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedUser } from '@app/auth';
import type { UserRole } from '@app/database';
import type { Request } from 'express';

export const PUBLIC_ROUTE = 'intake:public';
export const ROLES = 'intake:roles';
export const TWO_FACTOR_SETUP_ALLOWED = 'intake:two-factor-setup-allowed';

/** No session needed (web form, login, health). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** Only these roles may call the route (any signed-in staff member when absent). */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);

/**
 * Reachable while the user's role requires two-factor sign-in and they have not set it up yet
 * (who am I, sign out, the set-up itself, password change). Every other route answers 403.
 */
export const TwoFactorSetupAllowed = (): MethodDecorator & ClassDecorator =>
  SetMetadata(TWO_FACTOR_SETUP_ALLOWED, true);

export type AuthedRequest = Request & { user?: AuthenticatedUser };

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthenticatedUser => {
  const user = ctx.switchToHttp().getRequest<AuthedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a public route');
  return user;
});
