import type { AppConfigValues } from '@app/config';

export type OAuthProviderName = 'google' | 'microsoft' | 'custom';

/** One provider's endpoints, scopes and the desk's client registration there. */
export interface OAuthProvider {
  name: OAuthProviderName;
  authorizeUrl: string;
  tokenUrl: string;
  /** RFC 7009 revocation endpoint, when the provider has one. */
  revokeUrl: string | null;
  scopes: string;
  clientId: string;
  clientSecret: string | null;
  /** Extra authorisation parameters (Google only returns a refresh token with these). */
  extraParams: Record<string, string>;
  /** Servers of the provider, prefilled for a new mailbox. */
  imap: { host: string; port: number; tls: boolean } | null;
  smtp: { host: string; port: number; tls: boolean } | null;
}

/**
 * The providers this installation has a client for. Google and Microsoft are presets (endpoints,
 * the scopes IMAP and SMTP need, their servers); `custom` is any RFC 6749 provider configured by
 * its endpoints and scopes.
 */
export function oauthProviders(v: AppConfigValues): Map<OAuthProviderName, OAuthProvider> {
  const out = new Map<OAuthProviderName, OAuthProvider>();
  if (v.OAUTH_GOOGLE_CLIENT_ID) {
    out.set('google', {
      name: 'google',
      authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      revokeUrl: 'https://oauth2.googleapis.com/revoke',
      scopes: 'https://mail.google.com/',
      clientId: v.OAUTH_GOOGLE_CLIENT_ID,
      clientSecret: v.OAUTH_GOOGLE_CLIENT_SECRET ?? null,
      extraParams: { access_type: 'offline', prompt: 'consent' },
      imap: { host: 'imap.gmail.com', port: 993, tls: true },
      smtp: { host: 'smtp.gmail.com', port: 465, tls: true },
    });
  }
  if (v.OAUTH_MICROSOFT_CLIENT_ID) {
    const base = `https://login.microsoftonline.com/${encodeURIComponent(v.OAUTH_MICROSOFT_TENANT)}/oauth2/v2.0`;
    out.set('microsoft', {
      name: 'microsoft',
      authorizeUrl: `${base}/authorize`,
      tokenUrl: `${base}/token`,
      // Entra ID has no RFC 7009 endpoint: access is withdrawn in the tenant's admin centre.
      revokeUrl: null,
      scopes: 'offline_access https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send',
      clientId: v.OAUTH_MICROSOFT_CLIENT_ID,
      clientSecret: v.OAUTH_MICROSOFT_CLIENT_SECRET ?? null,
      extraParams: { prompt: 'select_account' },
      imap: { host: 'outlook.office365.com', port: 993, tls: true },
      smtp: { host: 'smtp.office365.com', port: 587, tls: false },
    });
  }
  if (v.OAUTH_CUSTOM_CLIENT_ID && v.OAUTH_CUSTOM_AUTHORIZE_URL && v.OAUTH_CUSTOM_TOKEN_URL) {
    out.set('custom', {
      name: 'custom',
      authorizeUrl: v.OAUTH_CUSTOM_AUTHORIZE_URL,
      tokenUrl: v.OAUTH_CUSTOM_TOKEN_URL,
      revokeUrl: v.OAUTH_CUSTOM_REVOKE_URL ?? null,
      scopes: v.OAUTH_CUSTOM_SCOPES,
      clientId: v.OAUTH_CUSTOM_CLIENT_ID,
      clientSecret: v.OAUTH_CUSTOM_CLIENT_SECRET ?? null,
      extraParams: {},
      imap: null,
      smtp: null,
    });
  }
  return out;
}
