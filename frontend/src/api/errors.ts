// problem+json (RFC 9457) from the API → one typed error with a German message.

import { de } from '../i18n/de';

/** The problem types the API answers with, by their stable last path segment. */
export type ProblemSlug = keyof typeof de.errors & string;

export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
}

export class ApiError extends Error {
  /** `not-found`, `validation-failed`, … or `network` / `unknown` for non-API failures. */
  readonly slug: string;
  readonly status: number;
  /** The server's (English, technical) explanation, shown as a detail only. */
  readonly detail: string;
  readonly field: string | null;
  /** For a validation problem: why the field's value was refused, in German (null if unknown). */
  readonly reason: string | null;
  readonly retryAfter: number | null;
  readonly requestId: string | null;

  constructor(init: {
    slug: string;
    status: number;
    detail?: string;
    field?: string | null;
    retryAfter?: number | null;
    requestId?: string | null;
  }) {
    const reason = init.slug === 'validation-failed' && init.field ? fieldReason(init.detail ?? '') : null;
    super(germanMessage(init.slug, init.field ?? null, init.retryAfter ?? null, reason));
    this.name = 'ApiError';
    this.slug = init.slug;
    this.status = init.status;
    this.detail = init.detail ?? '';
    this.field = init.field ?? null;
    this.reason = reason;
    this.retryAfter = init.retryAfter ?? null;
    this.requestId = init.requestId ?? null;
  }

  /** The message shown at the field itself (its label is beside it): the reason, else the generic text. */
  get fieldMessage(): string {
    return this.reason ?? germanMessage(this.slug, null, this.retryAfter);
  }
}

const messages = de.errors as unknown as Record<string, unknown>;
const fe = de.fieldErrors;
const num = (s: string | undefined) => Number(s ?? 0);

/** The server's reasons (`detail` of a validation problem, after `field: `) → German. */
const REASONS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^must not be empty$/, () => fe.empty],
  [/^is (\d+) characters long, at most (\d+) are allowed$/, (m) => fe.tooLong(num(m[1]), num(m[2]))],
  [/^(?:must be )?at most (\d+) characters(?: long)?$/, (m) => fe.atMostChars(num(m[1]))],
  [/^must be at least (\d+) characters long$/, (m) => fe.atLeastChars(num(m[1]))],
  [/^(\d+) to (\d+) characters$/, (m) => fe.charRange(num(m[1]), num(m[2]))],
  [/^contains control characters$/, () => fe.controlCharacters],
  [/^must be an http:\/\/ or https:\/\/ address with a host$/, () => fe.webAddress],
  [/^unknown [\w ]+ value '.*', expected one of: /s, () => fe.unknownValue],
  [/^has more than (\d+) entries$/, (m) => fe.tooManyEntries(num(m[1]))],
  [/^(?:must be between )?(\d+) (?:and|to) (\d+)$/, (m) => fe.numberRange(num(m[1]), num(m[2]))],
  [/^must be at least (\d+)$/, (m) => fe.atLeast(num(m[1]))],
  [/^must be a number from 0 to 10\^12$/, () => fe.amount],
  [/^must be a finite number$/, () => fe.number],
  [/^is not a valid e-mail address$/, () => fe.email],
  [/^must not lie before the review date$/, () => fe.beforeReview],
  [/^must mix at least two kinds of characters/, () => fe.passwordKinds],
  [/^must not repeat one character$/, () => fe.passwordRepeat],
];

/**
 * Why a field was refused, in German, from the validation problem's `detail`
 * (`title: is 600 characters long, at most 500 are allowed`); null for a reason it does not know.
 */
export function fieldReason(detail: string): string | null {
  const reason = detail.replace(/^[a-z_][\w.[\]]*: /, '').trim();
  for (const [pattern, german] of REASONS) {
    const m = pattern.exec(reason);
    if (m) return german(m);
  }
  return null;
}

/** The user-facing German sentence: what happened and what to do. */
export function germanMessage(slug: string, field: string | null, retryAfter: number | null, reason: string | null = null): string {
  const known = messages[slug];
  let text = reason ?? (typeof known === 'string' ? known : de.errors.unknown);
  if (field) {
    const label = de.fields[field] ?? field;
    text = de.errors.fieldPrefix(label) + text;
  }
  if (retryAfter !== null && retryAfter > 0) text += ' ' + de.errors.retryAfter(retryAfter);
  return text;
}

/** `/problems/not-found` or `https://host/problems/not-found` → `not-found`. */
export function problemSlug(type: string | undefined, status: number): string {
  const m = type ? /\/problems\/([a-z0-9-]+)$/.exec(type) : null;
  if (m?.[1]) return m[1];
  if (status === 404) return 'not-found';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'rate-limited';
  if (status === 503) return 'service-unavailable';
  if (status >= 500) return 'internal';
  return 'unknown';
}

/** Builds the typed error from a failed response (problem+json or anything else). */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: ProblemBody = {};
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      body = (await res.json()) as ProblemBody;
    } catch {
      body = {};
    }
  }
  const retry = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
  return new ApiError({
    slug: problemSlug(body.type, res.status),
    status: res.status,
    detail: body.detail ?? '',
    field: body.field ?? null,
    retryAfter: Number.isFinite(retry) ? retry : null,
    requestId: res.headers.get('x-request-id'),
  });
}

export function networkError(cause: unknown): ApiError {
  return new ApiError({ slug: 'network', status: 0, detail: String(cause) });
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}
