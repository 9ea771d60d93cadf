import { describe, expect, it } from 'vitest';
import { ApiError, errorFromResponse, germanMessage, problemSlug } from './errors';
import { safeReturnPath } from '../lib/forms';

function problem(status: number, body: object, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

describe('problem+json → German error', () => {
  it('maps the stable type to a German message with what to do', async () => {
    const e = await errorFromResponse(
      problem(404, { type: '/problems/not-found', title: 'Not found', status: 404, detail: 'solution 9 not found' }, { 'x-request-id': 'abc' }),
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e.slug).toBe('not-found');
    expect(e.message).toMatch(/nicht gefunden/);
    expect(e.detail).toBe('solution 9 not found');
    expect(e.requestId).toBe('abc');
  });

  it('names the field of a validation problem in German', async () => {
    const e = await errorFromResponse(
      problem(422, { type: '/problems/validation-failed', status: 422, detail: 'password: too short', field: 'password' }),
    );
    expect(e.field).toBe('password');
    expect(e.message).toBe('Feld „Passwort“: Bitte prüfen Sie Ihre Eingaben.');
  });

  it('adds Retry-After to rate limits and falls back on the status without a body', async () => {
    const limited = await errorFromResponse(problem(429, { type: '/problems/rate-limited', status: 429 }, { 'retry-after': '12' }));
    expect(limited.retryAfter).toBe(12);
    expect(limited.message).toContain('12 Sekunden');
    const bare = await errorFromResponse(new Response('oops', { status: 502 }));
    expect(bare.slug).toBe('internal');
    expect(problemSlug(undefined, 418)).toBe('unknown');
    expect(germanMessage('no-such-type', null, null)).toBe(germanMessage('unknown', null, null));
  });
});

describe('return path after login', () => {
  it('stays on this origin', () => {
    expect(safeReturnPath('/konto')).toBe('/konto');
    expect(safeReturnPath('//evil.example/x')).toBe('/');
    expect(safeReturnPath('https://evil.example')).toBe('/');
    expect(safeReturnPath('/\\evil.example')).toBe('/');
    expect(safeReturnPath(null)).toBe('/');
  });
});
