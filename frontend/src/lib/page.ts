// Small helpers shared by pages.

import { de } from '../i18n/de';

/** Sets the document title once a page knows what it shows. */
export function setTitle(title: string): void {
  document.title = de.app.pageTitle(title);
}

/** Path parameter as a positive integer id, or null (the page then shows "not found"). */
export function idParam(raw: string | undefined): number | null {
  if (!raw || !/^[1-9][0-9]{0,15}$/.test(raw)) return null;
  return Number(raw);
}
