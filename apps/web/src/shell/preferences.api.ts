// The signed-in agent's notification switches and signature (GET/PUT /api/account/preferences).
import { get, request } from '../shared/http';

export interface Preferences {
  notifyAssigned: boolean;
  notifyCustomerReplied: boolean;
  notifySla: boolean;
  signature: string;
  /** Placeholders a signature may use, without braces. */
  placeholders: string[];
}

export type PreferencesChange = Partial<Omit<Preferences, 'placeholders'>>;

export const preferencesApi = {
  get: () => get<Preferences>('/api/account/preferences'),
  update: (change: PreferencesChange) => request<Preferences>('PUT', '/api/account/preferences', change),
};
