// How people appear in channels: the caller is "Sie", others by their display name from
// `GET /channels/{id}/people`, fetched in batches for ids not seen yet and cached per
// channel. Until a name arrives (or for ids the server does not know) "Person <id>".

import { api } from '../api/client';
import type { Person } from '../api/types';
import { de } from '../i18n/de';

/** The server takes at most this many ids per request. */
export const BATCH = 100;

export type People = ReadonlyMap<number, Person>;

export function authorName(authorId: number, me: number | null, people?: People): string {
  if (authorId === me) return de.channels.you;
  const p = people?.get(authorId);
  if (!p) return de.channels.person(authorId);
  return p.deleted ? de.channels.deletedPerson : p.display_name;
}

/** The person's organisation, for showing next to the name. */
export function organisationOf(authorId: number, people?: People): string | null {
  const p = people?.get(authorId);
  return p && !p.deleted ? (p.organisation ?? null) : null;
}

type Fetch = (channelId: number, ids: number[]) => Promise<Person[]>;

const fetchPeople: Fetch = (channelId, ids) =>
  api.get<Person[]>(`/channels/${channelId}/people`, { query: { ids: ids.join(',') } });

/** One channel's names: `want` collects ids (within one tick) and asks for new ones only. */
export class PeopleCache {
  readonly #channelId: number;
  readonly #fetch: Fetch;
  readonly #onChange: (people: People) => void;
  // Plain bookkeeping; the reactive view is what `onChange` receives.
  readonly #known = new Map<number, Person>();
  readonly #asked = new Set<number>();
  #queued = new Set<number>();
  #flushing = false;

  constructor(channelId: number, onChange: (people: People) => void, fetch: Fetch = fetchPeople) {
    this.#channelId = channelId;
    this.#onChange = onChange;
    this.#fetch = fetch;
  }

  want(ids: Iterable<number>): void {
    for (const id of ids) if (!this.#asked.has(id)) this.#queued.add(id);
    if (this.#queued.size && !this.#flushing) {
      this.#flushing = true;
      queueMicrotask(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    const ids = [...this.#queued];
    this.#queued = new Set();
    this.#flushing = false;
    ids.forEach((id) => this.#asked.add(id));
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      try {
        const found = await this.#fetch(this.#channelId, batch);
        if (!found.length) continue;
        for (const p of found) this.#known.set(p.id, p);
        this.#onChange(new Map(this.#known));
      } catch {
        // Names are a nicety: "Person <id>" stays, and the ids may be asked again later.
        batch.forEach((id) => this.#asked.delete(id));
      }
    }
  }
}
