/** What it takes to open one IMAP mailbox. The password is the decrypted one: keep it in memory only. */
export interface ImapSettings {
  host: string;
  port: number;
  /** Implicit TLS (993). When false, imapflow still upgrades with STARTTLS if the server offers it. */
  tls: boolean;
  /** Certificate checks; on unless an operator turned them off for this mailbox. */
  tlsRejectUnauthorized: boolean;
  username: string;
  password: string;
  /** OAuth2 mailboxes: a fresh access token for each connection (SASL XOAUTH2/OAUTHBEARER). */
  accessToken?: () => Promise<string>;
  /** OAuth2: the server refused the token; drop it so the next connection refreshes. */
  onAuthFailed?: () => Promise<void>;
}

export interface ImapClientTuning {
  /** Re-issue IDLE this often (servers drop sessions idle for 30 minutes or less). */
  idleRestartMs?: number;
  /** Start IDLE after this much inactivity; short, so new mail is announced at once. */
  autoIdleDelayMs?: number;
  /** Socket inactivity that counts as a dead connection (catches silent drops). */
  socketTimeoutMs?: number;
  connectionTimeoutMs?: number;
}
