import { describe, expect, it } from 'vitest';
import { ApiError, errorFromResponse, fieldReason, germanMessage, problemSlug } from './errors';
import { formErrors } from '../lib/forms';
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

  it('gives the field its own German reason, from the server\'s detail', async () => {
    const e = await errorFromResponse(
      problem(422, { type: '/problems/validation-failed', status: 422, detail: 'url: must be an http:// or https:// address with a host', field: 'url' }),
    );
    expect(e.reason).toBe('Bitte geben Sie eine vollständige Webadresse an, die mit https:// beginnt, zum Beispiel https://www.beispiel.de.');
    // At the field: the reason alone; in a form-level alert: with the field named.
    expect(formErrors(e, ['url'])).toEqual({ fields: { url: e.reason }, form: null });
    expect(e.message).toBe(`Feld „Website“: ${e.reason}`);
    // An unknown reason keeps the generic text; other problems have none.
    const unknown = await errorFromResponse(problem(422, { type: '/problems/validation-failed', status: 422, detail: 'x: odd', field: 'title' }));
    expect(unknown.reason).toBeNull();
    expect(formErrors(unknown, ['title']).fields.title).toBe('Bitte prüfen Sie Ihre Eingaben.');
    const conflict = await errorFromResponse(problem(409, { type: '/problems/conflict', status: 409, detail: 'must not be empty', field: 'title' }));
    expect(conflict.reason).toBeNull();
  });

  it('knows the server\'s validation reasons', () => {
    expect(fieldReason('title: must not be empty')).toBe('Bitte füllen Sie dieses Feld aus.');
    expect(fieldReason('summary: is 4001 characters long, at most 4000 are allowed')).toBe('Höchstens 4.000 Zeichen sind erlaubt, Ihre Eingabe hat 4.001.');
    expect(fieldReason('contacts.name: contains control characters')).toMatch(/Steuerzeichen/);
    expect(fieldReason("kind: unknown kind value 'app', expected one of: software, saas")).toBe('Bitte wählen Sie einen der angebotenen Werte.');
    expect(fieldReason('limit: must be between 1 and 500')).toBe('Bitte geben Sie eine Zahl von 1 bis 500 an.');
    expect(fieldReason('0 to 525600')).toBe('Bitte geben Sie eine Zahl von 0 bis 525.600 an.');
    expect(fieldReason('reason: 1 to 2000 characters')).toBe('Bitte geben Sie 1 bis 2.000 Zeichen ein.');
    expect(fieldReason('password: must be at least 12 characters long')).toBe('Bitte geben Sie mindestens 12 Zeichen ein.');
    expect(fieldReason('is not a valid e-mail address')).toMatch(/gültige E-Mail-Adresse/);
    expect(fieldReason('must be a number from 0 to 10^12')).toMatch(/Betrag/);
    expect(fieldReason('tags: has more than 200 entries')).toBe('Höchstens 200 Einträge sind erlaubt.');
    expect(fieldReason('valid_until: must not lie before the review date')).toBe('Das Datum darf nicht vor dem Prüfdatum liegen.');
    expect(fieldReason('something new')).toBeNull();
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
