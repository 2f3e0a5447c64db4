export * from './form/form-payload';
export * from './form/form-request.schema';
export * from './intake.error';
export * from './intake.module';
export * from './persist/persist-inbound.service';
export * from './pipeline/intake-context';
export * from './pipeline/intake-filter';
export * from './pipeline/intake-pipeline';
export * from './process-inbound.handler';
export * from './requeue-staged.service';
export * from './stage-form-request.usecase';
// Understanding mail (issue 4).
export * from './pipeline/inspect-message';
export * from './pipeline/thread/db-thread-store';
export * from './pipeline/thread/thread-store';
