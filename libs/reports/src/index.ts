export * from './activity.service';
export * from './histogram';
export * from './report.error';
export * from './reports.module';
export * from './reports.service';
export * from './periods';
