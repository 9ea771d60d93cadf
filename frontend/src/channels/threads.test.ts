import { describe, expect, it } from 'vitest';
import { threads } from './threads';
import { msg } from '../realtime/fixtures.test-util';

const stored = (id: number, replyTo: number | null = null) => ({ ...msg(id, id, { reply_to: replyTo }), reactions: [] });

describe('threads', () => {
  it('puts replies (and replies to replies) under their root in seq order', () => {
    const t = threads([stored(1), stored(2, 1), stored(3), stored(4, 2), stored(5, 3)]);
    expect(t.map((x) => [x.root.id, x.replies.map((r) => r.id)])).toEqual([
      [1, [2, 4]],
      [3, [5]],
    ]);
  });

  it('shows a reply whose parent is not held as its own (orphan) thread', () => {
    const t = threads([stored(10, 3), stored(11, 10)]);
    expect(t).toHaveLength(1);
    expect(t[0]?.orphan).toBe(true);
    expect(t[0]?.replies.map((r) => r.id)).toEqual([11]);
  });
});
