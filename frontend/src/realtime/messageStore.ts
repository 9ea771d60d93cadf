// The messages of each channel a tab holds: upserted by `id` (edits, moderation and
// accepted answers re-send a message with the same id), ordered by `seq`, and bounded to
// the newest `limit` per channel (older pages come back over REST on demand).

import type { Message, ReactionCount } from './protocol';

export type StoredMessage = Message & { reactions: ReactionCount[] };

interface ChannelMessages {
  byId: Map<number, StoredMessage>;
  /** Sorted by `seq`, ascending. */
  ordered: StoredMessage[];
  /** Older messages exist on the server than the oldest held. */
  hasOlder: boolean;
}

export const DEFAULT_LIMIT = 1000;

export class MessageStore {
  readonly #channels = new Map<number, ChannelMessages>();
  readonly #limit: number;

  constructor(limit = DEFAULT_LIMIT) {
    this.#limit = Math.max(1, limit);
  }

  #channel(id: number): ChannelMessages {
    let c = this.#channels.get(id);
    if (!c) {
      c = { byId: new Map(), ordered: [], hasOlder: false };
      this.#channels.set(id, c);
    }
    return c;
  }

  /** Inserts or replaces one message; true when the channel's list changed. */
  upsert(m: Message, reactions?: ReactionCount[]): boolean {
    const c = this.#channel(m.channel_id);
    const old = c.byId.get(m.id);
    const stored: StoredMessage = { ...m, reactions: reactions ?? old?.reactions ?? [] };
    if (old) {
      if (!reactions && sameMessage(old, m)) return false;
      c.byId.set(m.id, stored);
      c.ordered = c.ordered.map((x) => (x === old ? stored : x));
      return true;
    }
    // Older than everything held while the window is full: it would be trimmed at once.
    if (c.ordered.length >= this.#limit && m.seq < (c.ordered[0]?.seq ?? 0)) {
      c.hasOlder = true;
      return false;
    }
    c.byId.set(m.id, stored);
    const at = insertionIndex(c.ordered, m.seq);
    c.ordered = [...c.ordered.slice(0, at), stored, ...c.ordered.slice(at)];
    if (c.ordered.length > this.#limit) {
      const drop = c.ordered.length - this.#limit;
      for (const gone of c.ordered.slice(0, drop)) c.byId.delete(gone.id);
      c.ordered = c.ordered.slice(drop);
      c.hasOlder = true;
    }
    return true;
  }

  /** A REST history page (newest first); `nextBefore` says whether older ones exist. */
  addPage(channelId: number, items: (Message & { reactions?: ReactionCount[] })[], nextBefore: number | null | undefined): void {
    const c = this.#channel(channelId);
    const oldestBefore = c.ordered[0]?.seq ?? Infinity;
    for (const item of items) {
      const { reactions, ...m } = item;
      this.upsert(m, reactions ?? []);
    }
    const oldestOfPage = Math.min(...items.map((m) => m.seq));
    if (items.length === 0 || oldestOfPage <= oldestBefore) c.hasOlder = nextBefore !== null && nextBefore !== undefined;
  }

  list(channelId: number): readonly StoredMessage[] {
    return this.#channels.get(channelId)?.ordered ?? [];
  }

  get(channelId: number, id: number): StoredMessage | undefined {
    return this.#channels.get(channelId)?.byId.get(id);
  }

  /** The newest message id held: a safe `since` for resuming (ids and seqs rise together). */
  newestId(channelId: number): number {
    const list = this.list(channelId);
    return list[list.length - 1]?.id ?? 0;
  }

  oldestId(channelId: number): number | null {
    return this.list(channelId)[0]?.id ?? null;
  }

  hasOlder(channelId: number): boolean {
    return this.#channels.get(channelId)?.hasOlder ?? false;
  }

  /** The window is full: older pages would push out what is held. */
  isFull(channelId: number): boolean {
    return this.list(channelId).length >= this.#limit;
  }

  /** The exact counts from a REST answer. */
  setReactions(channelId: number, messageId: number, counts: ReactionCount[]): boolean {
    const m = this.get(channelId, messageId);
    if (!m) return false;
    return this.upsert(stripReactions(m), counts);
  }

  /**
   * A live `reaction` frame. The caller's own reactions are counted only when they change
   * `mine` (the REST answer may already have been applied); others' change the count.
   */
  applyReaction(channelId: number, messageId: number, emoji: string, added: boolean, own: boolean): boolean {
    const m = this.get(channelId, messageId);
    if (!m) return false;
    const counts = m.reactions.map((r) => ({ ...r }));
    let r = counts.find((x) => x.emoji === emoji);
    if (own && r && r.mine === added) return false;
    if (!own && !added && !r) return false;
    if (!r) {
      r = { emoji, count: 0, mine: false };
      counts.push(r);
    }
    r.count = Math.max(0, r.count + (added ? 1 : -1));
    if (own) r.mine = added;
    return this.upsert(stripReactions(m), counts.filter((x) => x.count > 0));
  }

  forget(channelId: number): void {
    this.#channels.delete(channelId);
  }
}

function stripReactions(m: StoredMessage): Message {
  const { reactions: _r, ...rest } = m;
  return rest;
}

function sameMessage(a: StoredMessage, b: Message): boolean {
  return (
    a.seq === b.seq &&
    a.body === b.body &&
    a.body_html === b.body_html &&
    a.state === b.state &&
    a.pinned === b.pinned &&
    a.locked === b.locked &&
    (a.title ?? null) === (b.title ?? null) &&
    (a.accepted_answer_id ?? null) === (b.accepted_answer_id ?? null) &&
    (a.edited_at ?? null) === (b.edited_at ?? null)
  );
}

/** First index whose seq is greater than `seq` (binary search). */
function insertionIndex(list: readonly StoredMessage[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid]?.seq ?? 0) <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
