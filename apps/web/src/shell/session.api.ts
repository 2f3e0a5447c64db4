// The staff session: who is signed in, signing in and out.
import { get, post } from '../shared/http';

export interface User {
  id: string;
  email: string;
  name: string;
  role: 'agent' | 'supervisor' | 'admin';
}

export const sessionApi = {
  me: () => get<{ user: User }>('/api/auth/me').then((r) => r.user),
  signIn: (email: string, password: string) => post<{ user: User }>('/api/auth/login', { email, password }),
  signOut: () => post('/api/auth/logout'),
};
