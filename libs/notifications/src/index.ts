export * from './agent-preferences.service';
export * from './notification-kind';
export * from './notification-mail.handler';
export * from './notification-text';
export * from './notifications.error';
export * from './notifications.module';
export * from './notify-scan.handler';
export * from './notify-scan.service';
