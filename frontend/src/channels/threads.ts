// Messages grouped into threads: each top-level message with every reply below it (replies
// to replies join their root's thread), both in `seq` order.

import type { StoredMessage } from '../realtime/messageStore';

export interface Thread {
  root: StoredMessage;
  replies: StoredMessage[];
  /** The root is a reply whose parent is no longer held (older than the window). */
  orphan: boolean;
}

export function threads(messages: readonly StoredMessage[]): Thread[] {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const rootOf = (m: StoredMessage): StoredMessage => {
    let at = m;
    const seen = new Set<number>();
    while (at.reply_to != null && !seen.has(at.id)) {
      seen.add(at.id);
      const parent = byId.get(at.reply_to);
      if (!parent) break;
      at = parent;
    }
    return at;
  };
  const out = new Map<number, Thread>();
  for (const m of messages) {
    const root = rootOf(m);
    let t = out.get(root.id);
    if (!t) {
      t = { root, replies: [], orphan: root.reply_to != null };
      out.set(root.id, t);
    }
    if (root !== m) t.replies.push(m);
  }
  return [...out.values()];
}
