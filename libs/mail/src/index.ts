export * from './imap';
export * from './outbound/mail-transport';
export * from './outbound/outbound-mail';
export * from './outbound/plain-text-mime';
export * from './reply-token';
export * from './html/sanitize-email-html';
export * from './password-cipher';
