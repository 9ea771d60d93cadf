// Uploading a file as the raw request body (review documents): same origin, cookie
// session, CSRF header, problem+json mapped to `ApiError` like every other request.

import { buildUrl, csrfToken } from './client';
import { errorFromResponse, isAbort, networkError } from './errors';

export async function putFile<T>(path: string, file: Blob, query: Record<string, string>): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    // The server recognises the type by content; the client's guess is only a hint.
    'Content-Type': file.type || 'application/octet-stream',
  };
  const token = csrfToken();
  if (token) headers['X-CSRF-Token'] = token;
  let res: Response;
  try {
    res = await fetch(buildUrl(path, query), { method: 'PUT', headers, body: file, credentials: 'same-origin' });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw networkError(e);
  }
  if (!res.ok) throw await errorFromResponse(res);
  return (await res.json()) as T;
}
