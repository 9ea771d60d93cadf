// One request's lifecycle as reactive state (loading, data, error), cancelling the previous
// request when a new one starts. Pages render it with <Async>.

import { asApiError, type ApiError } from '../api/client';
import { isAbort } from '../api/errors';

export class Loader<T> {
  data: T | null = $state(null);
  error: ApiError | null = $state(null);
  loading = $state(false);
  #ctrl: AbortController | null = null;
  readonly #fetch: (signal: AbortSignal) => Promise<T>;

  constructor(fetch: (signal: AbortSignal) => Promise<T>) {
    this.#fetch = fetch;
  }

  /** Starts (or restarts) the request; resolves when it settled or was superseded. */
  async load(): Promise<void> {
    this.#ctrl?.abort();
    const ctrl = new AbortController();
    this.#ctrl = ctrl;
    this.loading = true;
    this.error = null;
    try {
      const data = await this.#fetch(ctrl.signal);
      if (ctrl.signal.aborted) return;
      this.data = data;
    } catch (e) {
      if (isAbort(e) || ctrl.signal.aborted) return;
      this.error = asApiError(e);
    } finally {
      if (this.#ctrl === ctrl) this.loading = false;
    }
  }

  abort(): void {
    this.#ctrl?.abort();
  }
}
