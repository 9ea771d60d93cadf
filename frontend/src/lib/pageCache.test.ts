import { describe, expect, it } from 'vitest';
import type { Component } from 'svelte';
import { PageCache, type PageImport } from './pageCache';

type P = { params: Record<string, string> };
const Page = (() => {}) as unknown as Component<P>;

function counted(fail = 0): { load: PageImport<P>; calls: () => number } {
  let calls = 0;
  return {
    load: async () => {
      calls += 1;
      if (calls <= fail) throw new TypeError('Failed to fetch dynamically imported module');
      return { default: Page };
    },
    calls: () => calls,
  };
}

describe('page cache', () => {
  it('loads a page once and has it ready afterwards', async () => {
    const cache = new PageCache<P>();
    const p = counted();
    expect(cache.ready(p.load)).toBeNull();
    const [a, b] = await Promise.all([cache.load(p.load), cache.load(p.load)]);
    expect(a).toBe(Page);
    expect(b).toBe(Page);
    expect(await cache.load(p.load)).toBe(Page);
    expect(cache.ready(p.load)).toBe(Page);
    expect(p.calls()).toBe(1);
  });

  it('reports a failed load and tries again on the next call', async () => {
    const cache = new PageCache<P>();
    const p = counted(1);
    await expect(cache.load(p.load)).rejects.toThrow('dynamically imported');
    expect(cache.ready(p.load)).toBeNull();
    expect(await cache.load(p.load)).toBe(Page);
    expect(p.calls()).toBe(2);
  });

  it('keeps pages apart', async () => {
    const cache = new PageCache<P>();
    const a = counted();
    const b = counted();
    await cache.load(a.load);
    expect(cache.ready(b.load)).toBeNull();
    expect(b.calls()).toBe(0);
  });
});
