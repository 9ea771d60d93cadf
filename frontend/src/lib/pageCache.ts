// Pages are loaded on demand (one chunk each, see routes.ts). This remembers each page's
// load: one request per page however often it is visited, the component at once on a
// revisit, and a failed load (offline, a new deployment removed the old chunk) forgotten
// so that "try again" fetches it anew.

import type { Component } from 'svelte';

export type PageModule<P extends Record<string, unknown>> = { default: Component<P> };
export type PageImport<P extends Record<string, unknown>> = () => Promise<PageModule<P>>;

export class PageCache<P extends Record<string, unknown>> {
  readonly #loaded = new Map<PageImport<P>, Component<P>>();
  readonly #pending = new Map<PageImport<P>, Promise<Component<P>>>();

  /** The component if it was loaded before (render it without a loading state). */
  ready(load: PageImport<P>): Component<P> | null {
    return this.#loaded.get(load) ?? null;
  }

  /** Loads the page once; concurrent calls share the request. */
  load(load: PageImport<P>): Promise<Component<P>> {
    const done = this.#loaded.get(load);
    if (done) return Promise.resolve(done);
    let pending = this.#pending.get(load);
    if (!pending) {
      pending = load().then(
        (m) => {
          this.#loaded.set(load, m.default);
          this.#pending.delete(load);
          return m.default;
        },
        (e: unknown) => {
          this.#pending.delete(load);
          throw e;
        },
      );
      this.#pending.set(load, pending);
    }
    return pending;
  }
}
