import { DomainError, randomToken, safeEqual } from '@app/common';
import { AppConfig } from '@app/config';
import type { UploadedFile } from '@app/intake';
import {
  PortalAccountsService,
  PortalDataService,
  PortalError,
  PortalTicketsService,
  type PortalClient,
  type PortalCustomer,
  type PortalSession,
} from '@app/portal';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UploadedFiles,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import { ApiTags } from '@nestjs/swagger';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
import type { CookieOptions, Request, Response } from 'express';
import { Public } from '../guards/auth.decorators';
import {
  checkMailPage,
  confirmLinkPage,
  conversationPage,
  messagePage,
  myDataPage,
  newRequestPage,
  registerPage,
  requestsPage,
  signInPage,
  type Values,
} from '../pages/portal-pages';

/** The customer's session cookie: its own name, never read by the staff guard (and vice versa). */
export const PORTAL_SESSION_COOKIE = 'intake_portal';
/** Double-submit token for the forms used before signing in (register, sign-in, links). */
export const PORTAL_PRE_CSRF_COOKIE = 'intake_portal_pre';

const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

type Body = Record<string, unknown>;

/**
 * The customer portal. The same handlers serve the HTML pages under /portal (forms that work without
 * JavaScript) and the JSON API under /api/portal. Staff routes never accept the portal cookie, and
 * no route here accepts the staff cookie: every route is @Public for the staff guard and resolves
 * the customer itself (customer()), checking the CSRF token on every change.
 */
@ApiTags('portal')
@Controller(['portal', 'api/portal'])
@Public()
export class PortalController {
  constructor(
    private readonly accounts: PortalAccountsService,
    private readonly tickets: PortalTicketsService,
    private readonly data: PortalDataService,
    private readonly config: AppConfig,
  ) {}

  // ---- before signing in ----

  @Get()
  async home(@Req() req: Request, @Res() res: Response) {
    const customer = await this.accounts.authenticate(cookie(req, PORTAL_SESSION_COOKIE));
    res.redirect(303, customer ? '/portal/requests' : '/portal/sign-in');
  }

  @Get('csrf')
  csrf(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return { csrfToken: this.preToken(req, res) };
  }

  @Get('register')
  registerForm(@Req() req: Request, @Res() res: Response) {
    this.html(res, registerPage(this.preToken(req, res)));
  }

  @Post('register')
  @HttpCode(202)
  @UseGuards(ThrottlerGuard)
  @SkipThrottle({ form: true })
  async register(@Body() body: Body, @Req() req: Request, @Res() res: Response) {
    this.checkPreCsrf(req, body);
    try {
      await this.accounts.register(body);
    } catch (error) {
      return this.formAgain(req, res, error, 'validation_failed', (e) =>
        registerPage(this.preToken(req, res), values(body), e.details),
      );
    }
    const text = 'If the address can be used, we have sent a link to it. Open it to confirm your address.';
    if (isJson(req)) return res.status(202).json({ status: 'check_mail' });
    this.html(res.status(200), checkMailPage(text));
  }

  @Get('sign-in')
  signInForm(@Req() req: Request, @Res() res: Response) {
    this.html(res, signInPage(this.preToken(req, res)));
  }

  @Post('sign-in')
  @HttpCode(200)
  @UseGuards(ThrottlerGuard)
  @SkipThrottle({ form: true })
  async signIn(@Body() body: Body, @Req() req: Request, @Res() res: Response) {
    this.checkPreCsrf(req, body);
    let session: PortalSession;
    try {
      session = await this.accounts.login(body, client(req));
    } catch (error) {
      return this.formAgain(req, res, error, 'invalid_credentials', (e) =>
        signInPage(this.preToken(req, res), values(body), e.message),
      );
    }
    this.startSession(req, res, session, '/portal/requests');
  }

  @Post('magic-link')
  @HttpCode(202)
  @UseGuards(ThrottlerGuard)
  @SkipThrottle({ form: true })
  async magicLink(@Body() body: Body, @Req() req: Request, @Res() res: Response) {
    this.checkPreCsrf(req, body);
    await this.accounts.requestMagicLink(body);
    if (isJson(req)) return res.status(202).json({ status: 'check_mail' });
    this.html(
      res.status(200),
      checkMailPage(
        'If the address belongs to an account, we have sent a sign-in link to it. It works once, for 15 minutes.',
      ),
    );
  }

  @Get('verify')
  verifyForm(@Query('token') token: string | undefined, @Req() req: Request, @Res() res: Response) {
    this.html(
      res,
      confirmLinkPage('verify', typeof token === 'string' ? token.slice(0, 200) : '', this.preToken(req, res)),
    );
  }

  @Post('verify')
  @HttpCode(200)
  @UseGuards(ThrottlerGuard)
  @SkipThrottle({ form: true })
  async verify(@Body() body: Body, @Req() req: Request, @Res() res: Response) {
    this.checkPreCsrf(req, body);
    const session = await this.linkOrPage(req, res, () => this.accounts.verifyAddress(str(body.token), client(req)));
    if (session) this.startSession(req, res, session, '/portal/requests?verified=1');
  }

  @Get('link')
  linkForm(@Query('token') token: string | undefined, @Req() req: Request, @Res() res: Response) {
    this.html(
      res,
      confirmLinkPage('link', typeof token === 'string' ? token.slice(0, 200) : '', this.preToken(req, res)),
    );
  }

  @Post('link')
  @HttpCode(200)
  @UseGuards(ThrottlerGuard)
  @SkipThrottle({ form: true })
  async link(@Body() body: Body, @Req() req: Request, @Res() res: Response) {
    this.checkPreCsrf(req, body);
    const session = await this.linkOrPage(req, res, () => this.accounts.signInWithLink(str(body.token), client(req)));
    if (session) this.startSession(req, res, session, '/portal/requests');
  }

  // ---- signed in ----

  @Post('sign-out')
  async signOut(@Body() body: Body, @Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req, body);
    await this.accounts.logout(customer.sessionId);
    res.clearCookie(PORTAL_SESSION_COOKIE, { path: '/' });
    if (isJson(req)) return res.status(204).end();
    res.redirect(303, '/portal/sign-in');
  }

  @Get('me')
  async me(@Req() req: Request) {
    const c = await this.customer(req);
    return {
      name: c.name,
      emails: c.emails.map((e) => ({ email: e.email, verified: e.verified })),
      csrfToken: c.csrfToken,
    };
  }

  @Get('requests')
  async list(@Query('verified') verified: string | undefined, @Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req);
    const items = await this.tickets.list(customer);
    if (isJson(req)) return res.json({ requests: items });
    const anyVerified = customer.emails.some((e) => e.verified);
    this.html(
      res,
      requestsPage(customer.csrfToken, items, anyVerified, verified ? 'Your address is confirmed.' : undefined),
    );
  }

  @Get('requests/new')
  async newForm(@Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req);
    this.html(res, this.newRequestHtml(customer));
  }

  @Post('requests')
  @HttpCode(202)
  @UseInterceptors(FilesInterceptor('attachments'))
  async create(
    @Body() body: Body,
    @UploadedFiles() files: UploadedFile[] | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const customer = await this.customer(req, body);
    try {
      const { reference } = await this.tickets.create(customer, body, files ?? [], req.ip);
      if (isJson(req)) return res.status(202).json({ reference });
      res.redirect(303, `/portal/requests?sent=${encodeURIComponent(reference)}`);
    } catch (error) {
      return this.formAgain(req, res, error, null, (e) => this.newRequestHtml(customer, values(body), e.details));
    }
  }

  @Get('requests/:key')
  async show(
    @Param('key') key: string,
    @Query('sent') sent: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const customer = await this.customer(req);
    const ticket = await this.tickets.get(customer, key);
    if (isJson(req)) return res.json(ticket);
    this.html(res, this.conversationHtml(customer, ticket, { notice: sent ? 'Your reply is on its way.' : undefined }));
  }

  @Post('requests/:key/reply')
  @HttpCode(202)
  @UseInterceptors(FilesInterceptor('attachments'))
  async reply(
    @Param('key') key: string,
    @Body() body: Body,
    @UploadedFiles() files: UploadedFile[] | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const customer = await this.customer(req, body);
    try {
      const { reference } = await this.tickets.reply(customer, key, body, files ?? [], req.ip);
      if (isJson(req)) return res.status(202).json({ reference });
      res.redirect(303, `/portal/requests/${encodeURIComponent(reference)}?sent=1`);
    } catch (error) {
      return this.formAgain(req, res, error, null, async (e) =>
        this.conversationHtml(customer, await this.tickets.get(customer, key), {
          values: values(body),
          errors: e.details,
        }),
      );
    }
  }

  @Post('requests/:key/close')
  async close(@Param('key') key: string, @Body() body: Body, @Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req, body);
    await this.tickets.setStatus(customer, key, 'close');
    this.done(req, res, `/portal/requests/${encodeURIComponent(key)}`);
  }

  @Post('requests/:key/reopen')
  async reopen(@Param('key') key: string, @Body() body: Body, @Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req, body);
    await this.tickets.setStatus(customer, key, 'reopen');
    this.done(req, res, `/portal/requests/${encodeURIComponent(key)}`);
  }

  @Get('attachments/:id')
  async attachment(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req);
    const file = await this.tickets.attachment(customer, id);
    // Always a download of opaque bytes: a customer's file never runs as a page of this site.
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(file.data);
  }

  @Get('data')
  async myData(@Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req);
    const view = await this.data.view(customer);
    if (isJson(req)) return res.json(view);
    this.html(res, myDataPage(customer.csrfToken, view));
  }

  @Get('data/export')
  async exportData(@Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req);
    const archive = await this.data.export(customer);
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('Content-Disposition', `attachment; filename="${archive.fileName}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(archive.data);
  }

  @Post('data/profile')
  async correct(@Body() body: Body, @Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req, body);
    try {
      await this.data.correct(customer, body);
    } catch (error) {
      return this.formAgain(req, res, error, null, async (e) =>
        myDataPage(customer.csrfToken, await this.data.view(customer), { values: values(body), errors: e.details }),
      );
    }
    this.done(req, res, '/portal/data?saved=1');
  }

  @Post('data/consents')
  async consent(@Body() body: Body, @Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req, body);
    const granted = body.granted === true || body.granted === 'true';
    await this.data.setConsent(customer, str(body.purpose), granted, req.ip);
    this.done(req, res, '/portal/data?saved=1');
  }

  @Post('data/erasure')
  async erasure(@Body() body: Body, @Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req, body);
    await this.data.requestErasure(customer);
    this.done(req, res, '/portal/data?saved=1');
  }

  @Post('data/addresses')
  async addAddress(@Body() body: Body, @Req() req: Request, @Res() res: Response) {
    const customer = await this.customer(req, body);
    await this.accounts.addEmail(customer, body);
    this.done(req, res, '/portal/data?saved=1');
  }

  // ---- helpers ----

  /**
   * The signed-in customer from the portal cookie (never the staff one). With `body` the request
   * changes something: the session's CSRF token must come back in X-CSRF-Token or the `_csrf` field
   * (checked here, after multer has read a multipart body; a guard would run before it).
   */
  private async customer(req: Request, body?: Body): Promise<PortalCustomer> {
    const customer = await this.accounts.authenticate(cookie(req, PORTAL_SESSION_COOKIE));
    if (!customer) throw new PortalError('portal_unauthenticated', 'Sign in to the portal first');
    if (body !== undefined) {
      const sent = req.header('x-csrf-token') ?? str(body?._csrf);
      if (!sent || !safeEqual(sent, customer.csrfToken))
        throw new PortalError('csrf_failed', 'Missing or wrong CSRF token');
    }
    return customer;
  }

  private preToken(req: Request, res: Response): string {
    const existing = cookie(req, PORTAL_PRE_CSRF_COOKIE);
    if (existing && /^[A-Za-z0-9_-]{20,64}$/.test(existing)) return existing;
    const token = randomToken(24);
    res.cookie(PORTAL_PRE_CSRF_COOKIE, token, { ...this.cookieBase(), httpOnly: true });
    return token;
  }

  private checkPreCsrf(req: Request, body: Body): void {
    const expected = cookie(req, PORTAL_PRE_CSRF_COOKIE);
    const sent = req.header('x-csrf-token') ?? str(body?._csrf);
    if (!expected || !sent || !safeEqual(sent, expected)) {
      throw new PortalError('csrf_failed', 'The form expired; reload the page and try again');
    }
  }

  private async linkOrPage(
    req: Request,
    res: Response,
    use: () => Promise<PortalSession>,
  ): Promise<PortalSession | null> {
    try {
      return await use();
    } catch (error) {
      if (
        !isJson(req) &&
        error instanceof PortalError &&
        (error.code === 'invalid_link' || error.code === 'address_taken')
      ) {
        this.html(res.status(400), messagePage('This link cannot be used', error.message));
        return null;
      }
      throw error;
    }
  }

  /**
   * The one HTML/JSON fork of the form routes: a browser whose form was refused (the given code, or
   * any error with field details) gets the form again, with what it typed and the reasons, and
   * the error's status; JSON clients — and every other error — get the error itself, which the
   * exception filter turns into JSON (or a friendly page).
   */
  private async formAgain(
    req: Request,
    res: Response,
    error: unknown,
    /** The refusal that shows the form again; null: any error carrying field details. */
    code: string | null,
    page: (error: DomainError) => string | Promise<string>,
  ): Promise<void> {
    const matches = error instanceof DomainError && (code === null ? !!error.details : error.code === code);
    if (isJson(req) || !matches) throw error;
    this.html(res.status(statusOf(error)), await page(error));
  }

  private startSession(req: Request, res: Response, session: PortalSession, next: string): void {
    res.cookie(PORTAL_SESSION_COOKIE, session.token, {
      ...this.cookieBase(),
      httpOnly: true,
      expires: session.expiresAt,
    });
    if (isJson(req)) {
      res.status(200).json({ csrfToken: session.csrfToken, expiresAt: session.expiresAt });
      return;
    }
    res.redirect(303, next);
  }

  private done(req: Request, res: Response, next: string): void {
    if (isJson(req)) {
      res.status(204).end();
      return;
    }
    res.redirect(303, next);
  }

  private cookieBase(): CookieOptions {
    return { secure: this.config.cookieSecure, sameSite: 'lax', path: '/' };
  }

  private html(res: Response, body: string): void {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  }

  private newRequestHtml(customer: PortalCustomer, v?: Values, errors?: Record<string, string>): string {
    const { FORM_MAX_ATTACHMENTS, FORM_MAX_ATTACHMENT_BYTES } = this.config.values;
    const addresses = customer.emails.filter((e) => e.verified).map((e) => e.email);
    return newRequestPage(customer.csrfToken, addresses, FORM_MAX_ATTACHMENTS, FORM_MAX_ATTACHMENT_BYTES, v, errors);
  }

  private conversationHtml(
    customer: PortalCustomer,
    ticket: Awaited<ReturnType<PortalTicketsService['get']>>,
    options: { values?: Values; errors?: Record<string, string>; notice?: string },
  ): string {
    const { FORM_MAX_ATTACHMENTS, FORM_MAX_ATTACHMENT_BYTES } = this.config.values;
    return conversationPage(customer.csrfToken, ticket, FORM_MAX_ATTACHMENTS, FORM_MAX_ATTACHMENT_BYTES, options);
  }
}

/** JSON for the /api/portal prefix and for clients that ask for it; pages for browsers. */
export function isJson(req: Request): boolean {
  if (req.path.startsWith('/api/')) return true;
  const accept = req.header('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

function cookie(req: Request, name: string): string | undefined {
  return (req.cookies as Record<string, string> | undefined)?.[name];
}

function client(req: Request): PortalClient {
  return { ip: req.ip, userAgent: req.header('user-agent'), acceptLanguage: req.header('accept-language') };
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** What the customer typed, to put back into a form (never the password or the token). */
function values(body: Body | undefined): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(body ?? {})) {
    if (typeof v === 'string' && k !== 'password' && k !== '_csrf' && k !== 'token') out[k] = v;
  }
  return out;
}

function statusOf(error: DomainError): number {
  if (error.code === 'invalid_credentials') return 401;
  return error.code === 'attachment_too_large' ? 413 : 400;
}
