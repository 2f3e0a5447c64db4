export * from './customer-commands.service';
export * from './customer-query.service';
export * from './customer.error';
export * from './customers.module';
export * from './organisation.service';
