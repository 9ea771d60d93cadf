// The signed-in account (from `GET /api/v1/me`), shared by navigation and pages.

import { api, ApiError } from '../api/client';
import type { components } from '../api/schema';

export type User = components['schemas']['UserView'];

export const session: { user: User | null; loaded: boolean } = $state({ user: null, loaded: false });

export async function loadSession(): Promise<void> {
  try {
    session.user = await api.get<User>('/me');
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) console.warn('session', e);
    session.user = null;
  } finally {
    session.loaded = true;
  }
}

export async function login(email: string, password: string): Promise<User> {
  const res = await api.post<{ user: User }>('/auth/login', { email, password });
  session.user = res.user;
  return res.user;
}

export async function logout(): Promise<void> {
  try {
    await api.post('/auth/logout');
  } finally {
    session.user = null;
  }
}
