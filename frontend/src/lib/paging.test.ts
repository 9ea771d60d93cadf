import { describe, expect, it } from 'vitest';
import { pageInfo, pageParam } from './paging';

describe('paging', () => {
  it('reads the page from the address, falling back to the first', () => {
    expect(pageParam('3')).toBe(3);
    for (const bad of [null, '', '0', '-1', '1.5', 'x', '01', '99999999']) expect(pageParam(bad), String(bad)).toBe(1);
  });

  it('says what a page shows and where it can go', () => {
    expect(pageInfo(0, 50, 120)).toEqual({ from: 1, to: 50, hasPrevious: false, hasNext: true });
    expect(pageInfo(100, 20, 120)).toEqual({ from: 101, to: 120, hasPrevious: true, hasNext: false });
    expect(pageInfo(0, 0, 0)).toEqual({ from: 0, to: 0, hasPrevious: false, hasNext: false });
  });
});
