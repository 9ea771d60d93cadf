import { describe, expect, it } from 'vitest';
import { MessageStore } from './messageStore';
import { msg } from './fixtures.test-util';

describe('MessageStore', () => {
  it('orders by seq whatever the arrival order and never duplicates', () => {
    const s = new MessageStore();
    for (const id of [3, 1, 2, 3, 1]) s.upsert(msg(id));
    expect(s.list(1).map((m) => m.id)).toEqual([1, 2, 3]);
    expect(s.newestId(1)).toBe(3);
  });

  it('replaces an edited or moderated message in place', () => {
    const s = new MessageStore();
    s.upsert(msg(1));
    s.upsert(msg(2));
    expect(s.upsert(msg(1))).toBe(false);
    expect(s.upsert(msg(1, 1, { state: 'hidden', body: '', body_html: '' }))).toBe(true);
    expect(s.list(1).map((m) => [m.id, m.state])).toEqual([
      [1, 'hidden'],
      [2, 'visible'],
    ]);
  });

  it('keeps only the newest messages and remembers that older ones exist', () => {
    const s = new MessageStore(3);
    for (let i = 1; i <= 5; i++) s.upsert(msg(i));
    expect(s.list(1).map((m) => m.id)).toEqual([3, 4, 5]);
    expect(s.hasOlder(1)).toBe(true);
    expect(s.isFull(1)).toBe(true);
    // An old one arriving late does not push out newer ones.
    expect(s.upsert(msg(1))).toBe(false);
    expect(s.list(1).map((m) => m.id)).toEqual([3, 4, 5]);
  });

  it('takes REST pages newest first and tracks whether older pages exist', () => {
    const s = new MessageStore();
    s.addPage(1, [msg(5), msg(4)].map((m) => ({ ...m, reactions: [{ emoji: '👍', count: 1, mine: false }] })), 4);
    expect(s.hasOlder(1)).toBe(true);
    expect(s.oldestId(1)).toBe(4);
    s.addPage(1, [msg(3), msg(2), msg(1)], null);
    expect(s.hasOlder(1)).toBe(false);
    expect(s.list(1).map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
    expect(s.get(1, 5)?.reactions).toEqual([{ emoji: '👍', count: 1, mine: false }]);
  });

  it('counts live reactions once, also when the REST answer came first', () => {
    const s = new MessageStore();
    s.upsert(msg(1));
    s.applyReaction(1, 1, '👍', true, false);
    expect(s.get(1, 1)?.reactions).toEqual([{ emoji: '👍', count: 1, mine: false }]);
    // Own reaction: the REST answer is applied, then the frame of the same change arrives.
    s.setReactions(1, 1, [{ emoji: '👍', count: 2, mine: true }]);
    expect(s.applyReaction(1, 1, '👍', true, true)).toBe(false);
    expect(s.get(1, 1)?.reactions).toEqual([{ emoji: '👍', count: 2, mine: true }]);
    s.applyReaction(1, 1, '👍', false, false);
    s.applyReaction(1, 1, '👍', false, true);
    expect(s.get(1, 1)?.reactions).toEqual([]);
  });
});
