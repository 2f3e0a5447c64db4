import { AuthError } from '@app/auth';
import { AppConfig } from '@app/config';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/**
 * Refuses cross-site requests to the endpoints that work without a session (sign-in, first-run
 * set-up, password links), where no CSRF token exists yet: login CSRF would otherwise sign a
 * victim's browser into the attacker's account. Browsers send Sec-Fetch-Site (Fetch Metadata) and
 * Origin on such POSTs; a request carrying either must come from this desk's own origin. Callers
 * that send neither (curl, the CLI, old browsers on same-origin forms) are let through — a
 * cross-site browser request always carries at least Origin.
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  private readonly publicOrigin: string;

  constructor(config: AppConfig) {
    this.publicOrigin = new URL(config.values.PUBLIC_URL).origin;
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (isCrossSite(req, this.publicOrigin)) {
      throw new AuthError('cross_site_request', 'This request must come from the desk itself');
    }
    return true;
  }
}

export function isCrossSite(req: Request, publicOrigin: string): boolean {
  const site = req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.header('origin');
  if (origin === undefined) return false;
  const own = new Set([publicOrigin, `${req.protocol}://${req.header('host') ?? ''}`]);
  return !own.has(origin);
}
