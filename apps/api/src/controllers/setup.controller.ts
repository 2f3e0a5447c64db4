import { AuthService, SetupService } from '@app/auth';
import { AppConfig } from '@app/config';
import { Body, Controller, Get, Post, Res, UseGuards, type OnApplicationBootstrap } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../guards/auth.decorators';
import { SameOriginGuard } from '../guards/same-origin.guard';
import { sessionResponse } from './auth.controller';

/** First run in the browser: creates the first admin with the set-up token from the server log. */
@ApiTags('setup')
@Controller('api/setup')
export class SetupController implements OnApplicationBootstrap {
  constructor(
    private readonly setup: SetupService,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.setup.announce();
  }

  @Public()
  @Get()
  @ApiOperation({ summary: 'Whether this desk still needs its first admin' })
  async status() {
    return { needed: await this.setup.needed() };
  }

  @Public()
  @Post()
  @UseGuards(SameOriginGuard, ThrottlerGuard)
  @SkipThrottle({ form: true })
  @ApiOperation({ summary: 'Create the first admin (set-up token from the server log) and sign in' })
  @ApiBody({
    schema: {
      example: { setupToken: 'from the log', email: 'admin@example.org', name: 'Admin', password: 'a long password' },
    },
  })
  async create(@Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const user = await this.setup.createFirstAdmin(body);
    return sessionResponse(await this.auth.openSession(user), res, this.config.cookieSecure);
  }
}
