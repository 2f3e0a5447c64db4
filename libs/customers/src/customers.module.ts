import { PrivacyModule } from '@app/privacy';
import { Module } from '@nestjs/common';
import { CustomerCommandsService } from './customer-commands.service';
import { CustomerQueryService } from './customer-query.service';
import { OrganisationService } from './organisation.service';

const services = [CustomerQueryService, CustomerCommandsService, OrganisationService];

/** Customers and organisations for staff (issue 11). Needs PlatformModule beside it. */
@Module({ imports: [PrivacyModule], providers: services, exports: services })
export class CustomersModule {}
