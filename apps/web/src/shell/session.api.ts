// The staff session: who is signed in, signing in and out, first-run set-up, password links,
// password change and two-factor set-up.
import { get, post, request } from '../shared/http';

export interface User {
  id: string;
  email: string;
  name: string;
  role: 'agent' | 'supervisor' | 'admin';
  /** Their role must use two-factor sign-in and they have not set it up yet. */
  twoFactorSetupRequired?: boolean;
}

export interface TwoFactorStatus {
  enabled: boolean;
  pending: boolean;
  recoveryCodesLeft: number;
}

export const sessionApi = {
  me: () => get<{ user: User }>('/api/auth/me').then((r) => r.user),
  signIn: (email: string, password: string, otp?: string) =>
    post<{ user: User }>('/api/auth/login', otp ? { email, password, otp } : { email, password }),
  signOut: () => post('/api/auth/logout'),
  setupNeeded: () => get<{ needed: boolean }>('/api/setup').then((r) => r.needed),
  setup: (input: { setupToken: string; email: string; name: string; password: string }) =>
    post<{ user: User }>('/api/setup', input),
  inspectLink: (token: string) =>
    get<{ purpose: 'invite' | 'reset'; email: string; name: string }>(
      `/api/auth/password-link/${encodeURIComponent(token)}`,
    ),
  completeLink: (token: string, password: string) =>
    post<{ email: string }>('/api/auth/password-link', { token, password }),
  changePassword: (currentPassword: string, newPassword: string) =>
    post<{ sessionsEnded: number }>('/api/auth/password', { currentPassword, newPassword }),
  twoFactor: () => get<TwoFactorStatus>('/api/auth/2fa'),
  beginTwoFactor: () => post<{ secret: string; otpauthUrl: string }>('/api/auth/2fa/setup'),
  confirmTwoFactor: (code: string) => post<{ recoveryCodes: string[] }>('/api/auth/2fa/confirm', { code }),
  // DELETE with a body: the password confirms it is really the user turning the factor off.
  disableTwoFactor: (password: string) => request<void>('DELETE', '/api/auth/2fa', { password }),
};
