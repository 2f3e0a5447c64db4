import { AuditModule } from '@app/audit';
import { Module } from '@nestjs/common';
import { AuthService } from './auth.service';
import { DeskSettingsService } from './desk-settings.service';
import { GroupsService } from './groups.service';
import { SetupService } from './setup.service';
import { TwoFactorService } from './two-factor.service';
import { UsersService } from './users.service';

const services = [AuthService, UsersService, GroupsService, TwoFactorService, DeskSettingsService, SetupService];

/** Staff accounts, sessions, two-factor sign-in, groups, desk settings, first-run set-up. */
@Module({ imports: [AuditModule], providers: services, exports: [...services, AuditModule] })
export class AuthModule {}
