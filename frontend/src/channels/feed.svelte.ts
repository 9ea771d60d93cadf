// One open conversation as reactive state: history over REST first, then the live
// subscription (resuming after the newest message held), typing, presence and the
// announcements for screen readers.

import { api, asApiError, type ApiError } from '../api/client';
import type { HistoryPage } from '../api/types';
import type { PendingSend, RealtimeClient, RealtimeEvent } from '../realtime/client';
import type { RealtimeError } from '../realtime/errors';
import type { StoredMessage } from '../realtime/messageStore';
import type { Message } from '../realtime/protocol';
import { de } from '../i18n/de';
import { authorName, PeopleCache, type People } from './names';
import { session } from '../lib/session.svelte';

export const PAGE_SIZE = 50;
const TYPING_SHOWN_MS = 5000;
const TYPING_SENT_EVERY_MS = 3000;
const READ_DEBOUNCE_MS = 800;

export class ChannelFeed {
  messages: readonly StoredMessage[] = $state.raw([]);
  pending: PendingSend[] = $state.raw([]);
  /** Users typing right now (not the caller). */
  typing: number[] = $state.raw([]);
  /** Users online in this channel: the snapshot at subscribing, then who came and went. */
  online: number[] = $state.raw([]);
  hasOlder = $state(false);
  full = $state(false);
  loading = $state(true);
  loadingOlder = $state(false);
  loadError: ApiError | null = $state(null);
  /** The latest websocket error of this channel, in German. */
  liveError: RealtimeError | null = $state(null);
  /** The subscription was revoked (removed, banned): nothing live arrives any more. */
  revoked = $state(false);
  /** Polite announcement of new messages for screen readers. */
  announcement = $state('');
  /** Names of the people seen in this channel (authors, typing, online); replaced whole,
   * never mutated, so a plain map in raw state. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  people: People = $state.raw(new Map());

  readonly #client: RealtimeClient;
  readonly channelId: number;
  #release: (() => void) | null = null;
  #unlisten: (() => void) | null = null;
  // Bookkeeping behind `typing` (which is the reactive view of it).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #typingUntil = new Map<number, number>();
  #typingTimer: ReturnType<typeof setTimeout> | null = null;
  #lastTypingSent = 0;
  #readTimer: ReturnType<typeof setTimeout> | null = null;
  #readMark = 0;
  #ctrl = new AbortController();
  readonly #names: PeopleCache;

  constructor(client: RealtimeClient, channelId: number) {
    this.#client = client;
    this.channelId = channelId;
    this.#names = new PeopleCache(channelId, (people) => (this.people = people));
  }

  /** The signed-in user (reactive: the socket's `hello` may come after the history). */
  get me(): number | null {
    return session.user?.id ?? null;
  }

  /** Loads the newest page, then subscribes (the subscription replays what came since). */
  async open(): Promise<void> {
    this.#unlisten ??= this.#client.listen((e) => this.#on(e));
    this.pending = this.#client.pending(this.channelId);
    this.loading = true;
    this.loadError = null;
    try {
      const page = await api.get<HistoryPage>(`/channels/${this.channelId}/messages`, {
        query: { limit: PAGE_SIZE },
        signal: this.#ctrl.signal,
      });
      this.#client.store.addPage(this.channelId, page.items, page.next_before);
      this.#refresh();
      this.#release ??= this.#client.subscribe(this.channelId);
    } catch (e) {
      if (this.#ctrl.signal.aborted) return;
      this.loadError = asApiError(e);
    } finally {
      this.loading = false;
    }
  }

  async loadOlder(): Promise<void> {
    const before = this.#client.store.oldestId(this.channelId);
    if (before === null || this.loadingOlder) return;
    this.loadingOlder = true;
    try {
      const page = await api.get<HistoryPage>(`/channels/${this.channelId}/messages`, {
        query: { limit: PAGE_SIZE, before },
        signal: this.#ctrl.signal,
      });
      this.#client.store.addPage(this.channelId, page.items, page.next_before);
      this.#refresh();
    } catch (e) {
      if (!this.#ctrl.signal.aborted) this.loadError = asApiError(e);
    } finally {
      this.loadingOlder = false;
    }
  }

  close(): void {
    this.#ctrl.abort();
    if (this.#readTimer) this.#flushRead();
    this.#release?.();
    this.#unlisten?.();
    if (this.#typingTimer) clearTimeout(this.#typingTimer);
  }

  send(body: string, opts: { replyTo?: number; title?: string } = {}) {
    return this.#client.send(this.channelId, body, opts);
  }

  /** A message changed through REST (edit, moderation, accept): shown at once. */
  replace(m: Message): void {
    if (this.#client.store.upsert(m)) this.#refresh();
  }

  setReactions(messageId: number, counts: StoredMessage['reactions']): void {
    if (this.#client.store.setReactions(this.channelId, messageId, counts)) this.#refresh();
  }

  /** Tells the others the caller is typing, at most every few seconds. */
  typed(): void {
    const now = Date.now();
    if (now - this.#lastTypingSent < TYPING_SENT_EVERY_MS) return;
    this.#lastTypingSent = now;
    this.#client.typing(this.channelId);
  }

  /** Moves the read mark to the newest message shown (debounced). */
  markRead(): void {
    const newest = this.#client.store.newestId(this.channelId);
    if (newest <= this.#readMark) return;
    if (this.#readTimer) clearTimeout(this.#readTimer);
    this.#readTimer = setTimeout(() => this.#flushRead(), READ_DEBOUNCE_MS);
  }

  #flushRead(): void {
    if (this.#readTimer) clearTimeout(this.#readTimer);
    this.#readTimer = null;
    const newest = this.#client.store.newestId(this.channelId);
    if (newest <= this.#readMark) return;
    this.#readMark = newest;
    this.#client.markRead(this.channelId, newest);
  }

  #refresh(): void {
    const store = this.#client.store;
    this.messages = store.list(this.channelId);
    this.#names.want(this.messages.map((m) => m.author_id));
    this.hasOlder = store.hasOlder(this.channelId);
    this.full = store.isFull(this.channelId);
  }

  #on(e: RealtimeEvent): void {
    if ('channelId' in e && e.channelId !== this.channelId) return;
    switch (e.type) {
      case 'message':
        this.#refresh();
        this.#typingUntil.delete(e.message.author_id);
        this.#updateTyping();
        if (e.message.author_id !== this.me) {
          this.#seen(e.message.author_id);
          if (e.live && e.message.state === 'visible' && e.message.seq === this.messages[this.messages.length - 1]?.seq)
            this.announcement = de.channels.view.newMessage(authorName(e.message.author_id, this.me, this.people), e.message.body.slice(0, 200));
        }
        this.markRead();
        return;
      case 'replay_done':
        if (e.replayed > 0) this.announcement = de.channels.view.replayed(e.replayed);
        this.markRead();
        return;
      case 'reaction':
        this.#refresh();
        return;
      case 'pending':
        this.pending = this.#client.pending(this.channelId);
        return;
      case 'typing':
        if (e.userId === this.me) return;
        this.#seen(e.userId);
        this.#typingUntil.set(e.userId, Date.now() + TYPING_SHOWN_MS);
        this.#updateTyping();
        return;
      case 'presence_snapshot':
        this.online = e.userIds.filter((u) => u !== this.me);
        this.#names.want(this.online);
        return;
      case 'presence':
        if (e.userId === this.me) return;
        if (e.online) this.#seen(e.userId);
        else this.online = this.online.filter((u) => u !== e.userId);
        return;
      case 'error':
        if (e.error.channelId !== this.channelId && e.error.channelId !== null) return;
        if (e.error.clientMsgId) return; // the composer shows failed sends itself
        this.liveError = e.error;
        if (!this.#client.isSubscribed(this.channelId)) this.revoked = true;
        return;
    }
  }

  #seen(userId: number): void {
    this.#names.want([userId]);
    if (!this.online.includes(userId)) this.online = [...this.online, userId];
  }

  #updateTyping(): void {
    const now = Date.now();
    for (const [u, until] of this.#typingUntil) if (until <= now) this.#typingUntil.delete(u);
    this.typing = [...this.#typingUntil.keys()];
    if (this.#typingTimer) clearTimeout(this.#typingTimer);
    if (this.#typingUntil.size) this.#typingTimer = setTimeout(() => this.#updateTyping(), 1000);
  }
}
