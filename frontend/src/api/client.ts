// The one way the UI talks to the API: same origin, cookie session, CSRF header on writes,
// problem+json mapped to `ApiError` (see ./errors.ts).

import { ApiError, errorFromResponse, isAbort, networkError } from './errors';

export { ApiError } from './errors';

const CSRF_COOKIE = 'matchraum_csrf';
const CSRF_HEADER = 'X-CSRF-Token';

export function csrfToken(cookies: string = document.cookie): string | null {
  for (const part of cookies.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === CSRF_COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

export interface RequestOptions {
  signal?: AbortSignal;
  query?: Record<string, string | number | boolean | null | undefined | string[]>;
}

/** `?a=1&b=x&b=y` without empty values, or an empty string. */
export function queryString(query?: RequestOptions['query']): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => qs.append(k, x));
    else qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  return `/api/v1${path}${queryString(query)}`;
}

async function request<T>(method: string, path: string, body: unknown, opts: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') {
    const token = csrfToken();
    if (token) headers[CSRF_HEADER] = token;
  }
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'same-origin',
      signal: opts.signal ?? null,
    });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw networkError(e);
  }
  if (!res.ok) throw await errorFromResponse(res);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

export const api = {
  get: <T>(path: string, opts: RequestOptions = {}) => request<T>('GET', path, undefined, opts),
  post: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>('POST', path, body ?? {}, opts),
  put: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>('PUT', path, body ?? {}, opts),
  patch: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>('PATCH', path, body ?? {}, opts),
  delete: <T>(path: string, opts: RequestOptions = {}) => request<T>('DELETE', path, undefined, opts),
};

/** A caught value as an `ApiError` (everything the UI shows goes through it). */
export function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError({ slug: 'unknown', status: 0, detail: String(e) });
}
