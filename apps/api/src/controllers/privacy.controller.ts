import type { AuthenticatedUser } from '@app/auth';
import { UserRole } from '@app/database';
import {
  ConsentService,
  DsrService,
  PrivacyPolicyService,
  RetentionPolicyService,
  RetentionRunService,
  StatsRollupService,
  userActor,
} from '@app/privacy';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Public, Roles } from '../guards/auth.decorators';

/**
 * Privacy administration: retention rules and runs, data-subject requests, consents, policy
 * versions and statistics. Admins only, except reading statistics (supervisors too) and the
 * current policy text (public). Every rule lives in @app/privacy; this maps HTTP onto it.
 */
@ApiTags('privacy')
@Controller('api/privacy')
@Roles(UserRole.Admin)
export class PrivacyController {
  constructor(
    private readonly policies: RetentionPolicyService,
    private readonly runs: RetentionRunService,
    private readonly dsr: DsrService,
    private readonly consents: ConsentService,
    private readonly policyTexts: PrivacyPolicyService,
    private readonly stats: StatsRollupService,
  ) {}

  @Get('retention/policy')
  @Roles(UserRole.Supervisor, UserRole.Admin)
  @ApiOperation({ summary: 'Retention rules in force: global (with defaults) and per-mailbox overrides' })
  policy() {
    return this.policies.effective();
  }

  @Put('retention/policy/:dataClass')
  @ApiOperation({ summary: 'Set a rule: { days, action?, mailboxId? }' })
  @ApiBody({ schema: { example: { days: 90, action: 'redact', mailboxId: null } } })
  setPolicy(
    @Param('dataClass') dataClass: string,
    @Body() body: { days?: unknown; action?: unknown; mailboxId?: unknown },
    @CurrentUser() user: AuthenticatedUser,
  ) {
    return this.policies.set({
      dataClass,
      days: Number(body?.days),
      action: typeof body?.action === 'string' ? body.action : undefined,
      mailboxId: body?.mailboxId === undefined || body.mailboxId === null ? null : text(body.mailboxId),
      actor: userActor(user.id),
    });
  }

  @Delete('retention/policy/:dataClass')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a rule (global, or ?mailboxId= for an override); the default applies again' })
  @ApiQuery({ name: 'mailboxId', required: false })
  async resetPolicy(
    @Param('dataClass') dataClass: string,
    @Query('mailboxId') mailboxId: unknown,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<void> {
    await this.policies.reset(dataClass, mailboxId === undefined ? null : text(mailboxId), userActor(user.id));
  }

  @Get('retention/plan')
  @ApiOperation({ summary: 'Dry run: exactly what a run now would remove or anonymise, with ids and counts' })
  plan() {
    return this.runs.dryRun();
  }

  @Post('retention/runs')
  @ApiOperation({ summary: 'Run retention now (audited); returns counts per class' })
  async run(@CurrentUser() user: AuthenticatedUser) {
    const report = await this.runs.run({ actor: userActor(user.id) });
    return { runId: report.runId, ...report.result };
  }

  @Get('retention/runs')
  @Roles(UserRole.Supervisor, UserRole.Admin)
  @ApiOperation({ summary: 'Recent retention runs (audit records: actor, policy, counts)' })
  recentRuns() {
    return this.runs.recent();
  }

  @Get('dsr')
  @ApiOperation({ summary: 'Data-subject requests, soonest due first' })
  @ApiQuery({ name: 'status', required: false })
  @ApiQuery({ name: 'contactId', required: false })
  listRequests(@Query('status') status?: unknown, @Query('contactId') contactId?: unknown) {
    return this.dsr.list({
      status: status === undefined ? undefined : text(status),
      contactId: contactId === undefined ? undefined : text(contactId),
    });
  }

  @Post('dsr')
  @ApiOperation({ summary: 'Record a request: { type: export|correction|erasure, contact: id or address, changes? }' })
  @ApiBody({
    schema: { example: { type: 'correction', contact: 'customer@example.org', changes: { name: 'New Name' } } },
  })
  createRequest(
    @Body() body: { type?: unknown; contact?: unknown; changes?: unknown },
    @CurrentUser() user: AuthenticatedUser,
  ) {
    return this.dsr.create({
      type: text(body?.type),
      contact: text(body?.contact),
      changes: body?.changes,
      actor: userActor(user.id),
    });
  }

  @Get('dsr/:id')
  getRequest(@Param('id') id: string) {
    return this.dsr.get(id);
  }

  @Post('dsr/:id/verify')
  @HttpCode(200)
  @ApiOperation({ summary: "Record that the requester's identity was verified" })
  verify(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser) {
    return this.dsr.verify(id, userActor(user.id));
  }

  @Post('dsr/:id/reject')
  @HttpCode(200)
  reject(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser) {
    return this.dsr.reject(id, userActor(user.id), 'identity_not_verified');
  }

  @Post('dsr/:id/complete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Carry out a verified request; an export answers with the .tar.gz archive (kept nowhere else)',
  })
  @ApiBody({ required: false, schema: { example: { erasureMode: 'anonymise' } } })
  async complete(
    @Param('id') id: string,
    @Body() body: { erasureMode?: unknown } | undefined,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) res: Response,
  ) {
    const mode = body?.erasureMode;
    const result = await this.dsr.complete(id, userActor(user.id), {
      erasureMode: mode === 'delete' || mode === 'anonymise' ? mode : undefined,
    });
    if (!result.archive) return result.request;
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('Content-Disposition', `attachment; filename="${result.archive.fileName}"`);
    res.setHeader('Cache-Control', 'no-store');
    return new StreamableFile(result.archive.data);
  }

  @Get('consents')
  @ApiOperation({ summary: 'Contacts who currently consent to a purpose (latest decision wins)' })
  @ApiQuery({ name: 'purpose', required: true, enum: ['promotional_email', 'market_research'] })
  @ApiQuery({ name: 'after', required: false, description: 'contactId of the last row of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1–10000, default 1000' })
  consenting(@Query('purpose') purpose: unknown, @Query('after') after?: unknown, @Query('limit') limit?: unknown) {
    return this.consents.consenting(text(purpose), {
      after: after === undefined ? undefined : text(after),
      limit: limit === undefined ? undefined : /^\d{1,6}$/.test(text(limit)) ? Number(limit) : Number.NaN,
    });
  }

  @Get('contacts/:id/consents')
  consentState(@Param('id') id: string) {
    return this.consents.state(id);
  }

  @Post('contacts/:id/consents')
  @Roles(UserRole.Agent, UserRole.Supervisor, UserRole.Admin)
  @ApiOperation({
    summary:
      'Record a decision the contact gave an agent: { purpose, granted }; agents only for contacts of tickets they may see',
  })
  @ApiBody({ schema: { example: { purpose: 'promotional_email', granted: false } } })
  recordConsent(
    @Param('id') id: string,
    @Body() body: { purpose?: unknown; granted?: unknown },
    @CurrentUser() user: AuthenticatedUser,
  ) {
    return this.consents.record({
      contactId: id,
      purpose: text(body?.purpose),
      granted: body?.granted === true,
      source: 'agent_on_request',
      actor: userActor(user.id),
      staff: user,
    });
  }

  @Get('contacts/:id/withdrawal-link')
  @ApiOperation({ summary: 'The signed no-login withdrawal link for promotional or research mail' })
  @ApiQuery({ name: 'purpose', required: true, enum: ['promotional_email', 'market_research'] })
  async withdrawalLink(@Param('id') id: string, @Query('purpose') purpose: string) {
    return { url: await this.consents.withdrawalLink(id, purpose ?? '') };
  }

  @Get('policy-versions')
  @Roles(UserRole.Supervisor, UserRole.Admin)
  policyVersions() {
    return this.policyTexts.list();
  }

  @Post('policy-versions')
  @ApiOperation({ summary: 'Publish a new privacy policy version: { version, text, publishedAt? }' })
  @ApiBody({
    schema: { example: { version: '2027-01', text: 'What we keep and why…', publishedAt: '2027-01-01T00:00:00Z' } },
  })
  publish(
    @Body() body: { version?: unknown; text?: unknown; publishedAt?: unknown },
    @CurrentUser() user: AuthenticatedUser,
  ) {
    return this.policyTexts.publish({
      version: text(body?.version),
      text: text(body?.text),
      publishedAt: typeof body?.publishedAt === 'string' ? new Date(body.publishedAt) : undefined,
      actor: userActor(user.id),
    });
  }

  @Public()
  @Get('policy')
  @ApiOperation({ summary: 'The current privacy policy text and version (public)' })
  currentPolicy() {
    return this.policyTexts.current();
  }

  @Get('stats/daily')
  @Roles(UserRole.Supervisor, UserRole.Admin)
  @ApiOperation({ summary: 'Non-personal daily ticket statistics between two days (YYYY-MM-DD)' })
  @ApiQuery({ name: 'from', required: false, example: '2026-11-01' })
  @ApiQuery({ name: 'to', required: false, example: '2026-11-30' })
  daily(@Query('from') from: unknown, @Query('to') to: unknown) {
    return this.stats.daily(from === undefined ? '1970-01-01' : text(from), to === undefined ? '9999-12-31' : text(to));
  }

  @Post('stats/rollup')
  @HttpCode(200)
  @ApiOperation({ summary: 'Fold new history into the statistics now' })
  rollup() {
    return this.stats.rollup({ settleMs: 0 });
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
