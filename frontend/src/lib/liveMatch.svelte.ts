// Matches a text while the user types: debounced, and each new request cancels the stale
// one, so only the answer for the latest text is ever shown.

import { api, asApiError, type ApiError } from '../api/client';
import { isAbort } from '../api/errors';
import type { MatchResponse, PeerMatch, SolutionMatch } from '../api/types';

export class LiveMatch {
  suggestions: SolutionMatch[] = $state([]);
  /** Organisations with a similar need or using a suggested solution. */
  peers: PeerMatch[] = $state([]);
  error: ApiError | null = $state(null);
  pending = $state(false);
  /** The text the shown suggestions belong to. */
  matchedText = $state('');
  #timer: ReturnType<typeof setTimeout> | null = null;
  #ctrl: AbortController | null = null;
  readonly #delayMs: number;
  readonly #minChars: number;

  constructor(delayMs = 350, minChars = 12) {
    this.#delayMs = delayMs;
    this.#minChars = minChars;
  }

  update(text: string): void {
    if (this.#timer) clearTimeout(this.#timer);
    const t = text.trim();
    if (t.length < this.#minChars) {
      this.#ctrl?.abort();
      this.suggestions = [];
      this.peers = [];
      this.pending = false;
      return;
    }
    this.pending = true;
    this.#timer = setTimeout(() => void this.#run(t), this.#delayMs);
  }

  async #run(text: string): Promise<void> {
    this.#ctrl?.abort();
    const ctrl = new AbortController();
    this.#ctrl = ctrl;
    try {
      const res = await api.post<MatchResponse>('/match', { text, limit: 5 }, { signal: ctrl.signal });
      this.suggestions = res.solutions;
      this.peers = res.peers;
      this.matchedText = text;
      this.error = null;
    } catch (e) {
      if (isAbort(e)) return;
      this.error = asApiError(e);
    } finally {
      if (this.#ctrl === ctrl) this.pending = false;
    }
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#ctrl?.abort();
  }
}
