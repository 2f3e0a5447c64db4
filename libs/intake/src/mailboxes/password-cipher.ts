// Moved to @app/mail (issue 14): the outbound sender decrypts mailbox SMTP URLs and OAuth2 tokens too.
export { mailboxKey, PasswordCipher } from '@app/mail';
