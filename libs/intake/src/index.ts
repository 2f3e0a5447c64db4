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
// IMAP intake (issue 3).
export * from './mailboxes/mailbox-input.schema';
export * from './mailboxes/mailbox.error';
export * from './mailboxes/mailbox.service';
export * from './mailboxes/mailboxes.module';
export * from './mailboxes/message-id';
export * from './mailboxes/password-cipher';
export * from './mailboxes/stage-email.usecase';
export * from './metrics/intake-metrics';
export * from './metrics/metrics-scrape';
export * from './quarantine/expire-quarantine.handler';
export * from './quarantine/quarantine-action.error';
export * from './quarantine/quarantine-action.handler';
export * from './quarantine/quarantine-action.service';
export * from './quarantine/quarantine.service';
export * from './settle/after-process.service';
export * from './settle/crash-point';
export * from './settle/imap-settle-worker.module';
export * from './settle/settle-inbound.service';
export * from './settle/settle-job-id';
export * from './settle/settle-sweep.service';
// Understanding mail (issue 4).
export * from './pipeline/inspect-message';
export * from './pipeline/thread/db-thread-store';
export * from './pipeline/thread/thread-store';
// Answering (issue 14): agents' uploads are judged like inbound attachments.
export { checkUploadedFile, type CheckedUpload } from './pipeline/filters/normalize-attachments.filter';
