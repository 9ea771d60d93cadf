import { describe, expect, it } from 'vitest';
import type { Person } from '../api/types';
import { authorName, BATCH, organisationOf, PeopleCache, type People } from './names';

const person = (id: number, over: Partial<Person> = {}): Person => ({
  id,
  display_name: `Name ${id}`,
  organisation: null,
  deleted: false,
  ...over,
});

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('authorName', () => {
  const people: People = new Map([
    [2, person(2, { display_name: 'Anna Amsel', organisation: 'Stadt Musterstadt' })],
    [3, person(3, { deleted: true, display_name: 'Person 3', organisation: 'X' })],
  ]);
  it('says "Sie" to the caller, the name to others, and falls back until one is known', () => {
    expect(authorName(1, 1, people)).toBe('Sie');
    expect(authorName(2, 1, people)).toBe('Anna Amsel');
    expect(authorName(3, 1, people)).toBe('Gelöschtes Konto');
    expect(authorName(4, 1, people)).toBe('Person 4');
    expect(organisationOf(2, people)).toBe('Stadt Musterstadt');
    expect(organisationOf(3, people)).toBeNull();
  });
});

describe('PeopleCache', () => {
  it('asks once per id, in batches of at most 100, and reports what it learnt', async () => {
    const calls: number[][] = [];
    let seen: People = new Map();
    const cache = new PeopleCache(
      7,
      (p) => (seen = p),
      (ch, ids) => {
        expect(ch).toBe(7);
        calls.push(ids);
        return Promise.resolve(ids.filter((id) => id % 2 === 0).map((id) => person(id)));
      },
    );
    const ids = Array.from({ length: 150 }, (_, i) => i + 1);
    cache.want(ids.slice(0, 80));
    cache.want(ids);
    await tick();
    expect(calls.map((c) => c.length)).toEqual([BATCH, 50]);
    expect(seen.size).toBe(75);
    expect(seen.get(2)?.display_name).toBe('Name 2');
    cache.want([1, 2, 3]);
    await tick();
    expect(calls).toHaveLength(2);
  });

  it('asks again for ids whose request failed', async () => {
    let fail = true;
    const calls: number[][] = [];
    const cache = new PeopleCache(
      1,
      () => {},
      (_ch, ids) => {
        calls.push(ids);
        return fail ? Promise.reject(new Error('offline')) : Promise.resolve([]);
      },
    );
    cache.want([5]);
    await tick();
    fail = false;
    cache.want([5]);
    await tick();
    expect(calls).toEqual([[5], [5]]);
  });
});
