// Mapping an API error onto a form: a validation problem names its field, which then
// shows the message beside the input; everything else is a form-level alert.

import type { ApiError } from '../api/errors';

export interface FormErrors {
  fields: Record<string, string>;
  form: ApiError | null;
}

export function noErrors(): FormErrors {
  return { fields: {}, form: null };
}

/** A problem that names one of `fields` shows its German reason at that field; others alert the form. */
export function formErrors(e: ApiError, fields: readonly string[]): FormErrors {
  if (e.field && fields.includes(e.field)) return { fields: { [e.field]: e.fieldMessage }, form: null };
  return { fields: {}, form: e };
}

/** A local path to return to after login, never another origin (`//evil`, `https:`). */
export function safeReturnPath(raw: string | null): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  return raw;
}

/** Moves focus to the first invalid field after the error messages rendered. */
export function focusFirstError(): void {
  setTimeout(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
}
