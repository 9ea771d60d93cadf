// One websocket per tab to `/api/v1/ws`, free of any UI framework: subscriptions that
// resume with `since` after every reconnect, sends that are retried until acknowledged
// (the server dedupes by `client_msg_id`), a bounded message store, heartbeats, and
// reconnect with backoff — except after the server ended the session (4001/1008).

import { MessageStore } from './messageStore';
import {
  CLOSE_POLICY,
  CLOSE_SIGNED_OUT,
  parseServerFrame,
  type ClientFrame,
  type ErrorFrame,
  type Message,
  type ServerFrame,
} from './protocol';
import { RealtimeError, isRetryable, revokesSubscription } from './errors';

export type Status = 'connecting' | 'open' | 'reconnecting' | 'signed_out' | 'stopped';

/** The part of `WebSocket` the client uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** Whether the browser thinks it is online, and its `online`/`offline` events. */
export interface Connectivity {
  isOnline(): boolean;
  onChange(cb: (online: boolean) => void): () => void;
}

export interface RealtimeOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  connectivity?: Connectivity;
  store?: MessageStore;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  pingIntervalMs?: number;
  /** No frame for this long after a ping: the connection is dead. */
  pongTimeoutMs?: number;
  retryDelayMs?: number;
  random?: () => number;
  newId?: () => string;
}

export type RealtimeEvent =
  | { type: 'status'; status: Status }
  | { type: 'message'; channelId: number; message: Message; live: boolean }
  | { type: 'replay_done'; channelId: number; replayed: number }
  | { type: 'typing'; channelId: number; userId: number }
  | { type: 'presence'; channelId: number; userId: number; online: boolean }
  /** Who is online in the channel as it was subscribed (on every server instance). */
  | { type: 'presence_snapshot'; channelId: number; userIds: number[] }
  | { type: 'reaction'; channelId: number; messageId: number }
  | { type: 'pending'; channelId: number }
  | { type: 'error'; error: RealtimeError }
  | { type: 'notification'; frame: Record<string, unknown> };

export interface PendingSend {
  clientMsgId: string;
  channelId: number;
  body: string;
  replyTo?: number;
  title?: string;
  /** Set once acknowledged; the entry goes when the message itself arrived. */
  messageId?: number;
}

interface Waiter {
  resolve: (r: { messageId: number; duplicate: boolean }) => void;
  reject: (e: RealtimeError) => void;
}

const OPEN = 1;
const CLOSE_OFFLINE = 4000;
/** An acknowledged send whose message frame never came is forgotten after this. */
const ACKED_GRACE_MS = 5000;

export class RealtimeClient {
  readonly store: MessageStore;
  status: Status = 'stopped';
  /** The signed-in user of the socket (from `hello`), null when anonymous. */
  userId: number | null = null;

  readonly #opts: Required<Omit<RealtimeOptions, 'store' | 'connectivity'>> & { connectivity: Connectivity | null };
  readonly #listeners = new Set<(e: RealtimeEvent) => void>();
  /** Subscribed channels and how many views hold each. */
  readonly #subs = new Map<number, number>();
  readonly #pending = new Map<string, PendingSend>();
  readonly #waiters = new Map<string, Waiter>();
  /** Channels whose `subscribe` is answered with a replay in progress. */
  readonly #replaying = new Set<number>();
  #socket: SocketLike | null = null;
  #attempts = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  #pongTimer: ReturnType<typeof setTimeout> | null = null;
  #unwatch: (() => void) | null = null;
  #nonce = 0;

  constructor(opts: RealtimeOptions) {
    this.store = opts.store ?? new MessageStore();
    this.#opts = {
      url: opts.url,
      createSocket: opts.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike),
      connectivity: opts.connectivity ?? null,
      initialBackoffMs: opts.initialBackoffMs ?? 500,
      maxBackoffMs: opts.maxBackoffMs ?? 15_000,
      pingIntervalMs: opts.pingIntervalMs ?? 25_000,
      pongTimeoutMs: opts.pongTimeoutMs ?? 10_000,
      retryDelayMs: opts.retryDelayMs ?? 1500,
      random: opts.random ?? Math.random,
      newId: opts.newId ?? randomId,
    };
  }

  listen(fn: (e: RealtimeEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Connects (once); later calls are no-ops while running. */
  start(): void {
    if (this.status !== 'stopped' && this.status !== 'signed_out') return;
    this.#unwatch = this.#opts.connectivity?.onChange((online) => this.#onConnectivity(online)) ?? null;
    this.#connect('connecting');
  }

  /** Closes for good (logout, tab teardown); pending sends are rejected. */
  stop(): void {
    this.#halt('stopped');
    for (const id of [...this.#pending.keys()]) this.#fail(id, new RealtimeError('closed'));
  }

  /** Holds a subscription until the returned function is called (reference counted). */
  subscribe(channelId: number): () => void {
    const n = this.#subs.get(channelId) ?? 0;
    this.#subs.set(channelId, n + 1);
    if (n === 0) this.#subscribeFrame(channelId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#subs.get(channelId) ?? 1) - 1;
      if (left > 0) {
        this.#subs.set(channelId, left);
        return;
      }
      this.#subs.delete(channelId);
      this.#replaying.delete(channelId);
      this.#frame({ type: 'unsubscribe', channel_id: channelId });
    };
  }

  isSubscribed(channelId: number): boolean {
    return this.#subs.has(channelId);
  }

  /** Sends a message; resolves on the server's `ack`, retried across reconnects until then. */
  send(channelId: number, body: string, opts: { replyTo?: number; title?: string } = {}): Promise<{ messageId: number; duplicate: boolean }> {
    const p: PendingSend = { clientMsgId: this.#opts.newId(), channelId, body };
    if (opts.replyTo !== undefined) p.replyTo = opts.replyTo;
    if (opts.title) p.title = opts.title;
    this.#pending.set(p.clientMsgId, p);
    const done = new Promise<{ messageId: number; duplicate: boolean }>((resolve, reject) =>
      this.#waiters.set(p.clientMsgId, { resolve, reject }),
    );
    this.#emit({ type: 'pending', channelId });
    this.#sendPending(p);
    return done;
  }

  /** Sends not yet confirmed by their message, oldest first. */
  pending(channelId: number): PendingSend[] {
    return [...this.#pending.values()].filter((p) => p.channelId === channelId);
  }

  typing(channelId: number): void {
    this.#frame({ type: 'typing', channel_id: channelId });
  }

  markRead(channelId: number, messageId: number): void {
    this.#frame({ type: 'read', channel_id: channelId, message_id: messageId });
  }

  // ---- connection ----------------------------------------------------------------------

  #connect(status: Status): void {
    this.#clearTimers();
    this.#setStatus(status);
    if (this.#opts.connectivity && !this.#opts.connectivity.isOnline()) return; // waits for `online`
    let socket: SocketLike;
    try {
      socket = this.#opts.createSocket(this.#opts.url);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.onmessage = (ev) => {
      if (this.#socket !== socket || typeof ev.data !== 'string') return;
      this.#alive();
      const frame = parseServerFrame(ev.data);
      if (frame) this.#dispatch(frame);
    };
    socket.onclose = (ev) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#replaying.clear();
      this.#clearTimers();
      if (this.status === 'stopped' || this.status === 'signed_out') return;
      if (ev.code === CLOSE_SIGNED_OUT || ev.code === CLOSE_POLICY) return this.#signedOut();
      this.#scheduleReconnect();
    };
    socket.onerror = () => {
      // A close event follows; reconnecting is decided there.
    };
  }

  #scheduleReconnect(): void {
    this.#setStatus('reconnecting');
    if (this.#opts.connectivity && !this.#opts.connectivity.isOnline()) return;
    const base = Math.min(this.#opts.maxBackoffMs, this.#opts.initialBackoffMs * 2 ** this.#attempts);
    this.#attempts += 1;
    const delay = base * (0.5 + this.#opts.random() * 0.5);
    this.#reconnectTimer = setTimeout(() => this.#connect('reconnecting'), delay);
  }

  #onConnectivity(online: boolean): void {
    if (this.status === 'stopped' || this.status === 'signed_out') return;
    if (!online) {
      // The browser knows the network is gone: do not wait for a heartbeat to notice.
      const s = this.#socket;
      this.#socket = null;
      this.#replaying.clear();
      this.#clearTimers();
      s?.close(CLOSE_OFFLINE, 'offline');
      this.#setStatus('reconnecting');
    } else if (!this.#socket) {
      this.#attempts = 0;
      this.#connect('reconnecting');
    }
  }

  #signedOut(): void {
    this.#halt('signed_out');
    for (const id of [...this.#pending.keys()]) this.#fail(id, new RealtimeError('signed_out'));
  }

  #halt(status: Status): void {
    this.#clearTimers();
    this.#unwatch?.();
    this.#unwatch = null;
    const s = this.#socket;
    this.#socket = null;
    s?.close(1000, 'bye');
    this.#setStatus(status);
  }

  #clearTimers(): void {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    if (this.#pongTimer) clearTimeout(this.#pongTimer);
    this.#reconnectTimer = this.#pingTimer = this.#pongTimer = null;
  }

  #startHeartbeat(): void {
    this.#pingTimer = setInterval(() => {
      this.#nonce += 1;
      this.#frame({ type: 'ping', nonce: this.#nonce });
      if (!this.#pongTimer) {
        this.#pongTimer = setTimeout(() => {
          // Silent for too long: treat as closed (the close handler reconnects).
          const s = this.#socket;
          s?.onclose?.({ code: 4002, reason: 'heartbeat timeout' });
          s?.close(4002, 'heartbeat timeout');
        }, this.#opts.pongTimeoutMs);
      }
    }, this.#opts.pingIntervalMs);
  }

  #alive(): void {
    if (this.#pongTimer) clearTimeout(this.#pongTimer);
    this.#pongTimer = null;
  }

  #setStatus(status: Status): void {
    if (this.status === status) return;
    this.status = status;
    this.#emit({ type: 'status', status });
  }

  #emit(e: RealtimeEvent): void {
    for (const fn of [...this.#listeners]) fn(e);
  }

  /** Sends when the socket is open; false otherwise (callers decide whether that matters). */
  #frame(f: ClientFrame): boolean {
    const s = this.#socket;
    if (!s || this.status !== 'open' || s.readyState !== OPEN) return false;
    s.send(JSON.stringify(f));
    return true;
  }

  #subscribeFrame(channelId: number, since = this.store.newestId(channelId)): void {
    if (this.#frame({ type: 'subscribe', channel_id: channelId, since })) this.#replaying.add(channelId);
  }

  #sendPending(p: PendingSend): void {
    const f: ClientFrame = { type: 'send', channel_id: p.channelId, client_msg_id: p.clientMsgId, body: p.body };
    if (p.replyTo !== undefined) f.reply_to = p.replyTo;
    if (p.title) f.title = p.title;
    this.#frame(f);
  }

  // ---- frames from the server ----------------------------------------------------------

  #dispatch(f: ServerFrame): void {
    switch (f.type) {
      case 'hello':
        return this.#hello(f.user_id);
      case 'message': {
        const { type: _t, ...m } = f;
        const live = !this.#replaying.has(m.channel_id);
        if (!this.#subs.has(m.channel_id)) return;
        const changed = this.store.upsert(m);
        this.#settle(m);
        if (changed) this.#emit({ type: 'message', channelId: m.channel_id, message: m, live });
        return;
      }
      case 'replay_done':
        if (f.more && this.#subs.has(f.channel_id)) return this.#subscribeFrame(f.channel_id, f.last_id);
        this.#replaying.delete(f.channel_id);
        this.#emit({ type: 'replay_done', channelId: f.channel_id, replayed: f.replayed });
        return;
      case 'ack':
        return this.#ack(f.client_msg_id, f.message_id, f.channel_id, f.duplicate);
      case 'typing':
        return this.#emit({ type: 'typing', channelId: f.channel_id, userId: f.user_id });
      case 'presence':
        return this.#emit({ type: 'presence', channelId: f.channel_id, userId: f.user_id, online: f.online });
      case 'presence_snapshot':
        if (!this.#subs.has(f.channel_id) || !Array.isArray(f.user_ids)) return;
        return this.#emit({ type: 'presence_snapshot', channelId: f.channel_id, userIds: f.user_ids });
      case 'reaction':
        if (this.store.applyReaction(f.channel_id, f.message_id, f.emoji, f.added, f.user_id === this.userId))
          this.#emit({ type: 'reaction', channelId: f.channel_id, messageId: f.message_id });
        return;
      case 'error':
        return this.#error(f);
      case 'notification':
        return this.#emit({ type: 'notification', frame: f });
      case 'pong':
        return;
    }
  }

  #hello(userId: number | null): void {
    if (this.userId !== null && userId === null) return this.#signedOut(); // the session ended meanwhile
    this.userId = userId;
    this.#attempts = 0;
    this.#setStatus('open');
    this.#startHeartbeat();
    // Resume every subscription after the newest message held, then retry unconfirmed sends
    // (frames are handled in order, so the subscriptions are in place first).
    for (const channelId of this.#subs.keys()) this.#subscribeFrame(channelId);
    for (const p of this.#pending.values()) if (p.messageId === undefined) this.#sendPending(p);
  }

  #ack(clientMsgId: string, messageId: number, channelId: number, duplicate: boolean): void {
    const p = this.#pending.get(clientMsgId);
    this.#waiters.get(clientMsgId)?.resolve({ messageId, duplicate });
    this.#waiters.delete(clientMsgId);
    if (!p) return;
    if (this.store.get(channelId, messageId)) {
      this.#pending.delete(clientMsgId);
      this.#emit({ type: 'pending', channelId });
    } else {
      p.messageId = messageId;
      setTimeout(() => {
        if (this.#pending.delete(clientMsgId)) this.#emit({ type: 'pending', channelId });
      }, ACKED_GRACE_MS);
    }
  }

  /** A message arrived: the pending send it answers is done. */
  #settle(m: Message): void {
    if (!m.client_msg_id || m.author_id !== this.userId) return;
    const p = this.#pending.get(m.client_msg_id);
    if (!p || p.channelId !== m.channel_id) return;
    if (p.messageId === undefined && this.#waiters.has(m.client_msg_id)) return; // the ack follows
    this.#pending.delete(m.client_msg_id);
    this.#emit({ type: 'pending', channelId: m.channel_id });
  }

  #error(f: ErrorFrame): void {
    const error = new RealtimeError(f.code, f.detail, f.channel_id ?? null, f.client_msg_id ?? null);
    const p = f.client_msg_id ? this.#pending.get(f.client_msg_id) : undefined;
    if (p && isRetryable(f.code)) {
      setTimeout(() => this.#pending.has(p.clientMsgId) && this.#sendPending(p), this.#opts.retryDelayMs);
    } else if (p) {
      this.#fail(p.clientMsgId, error);
    }
    if (f.channel_id !== undefined && !p && revokesSubscription(f.code) && this.#subs.has(f.channel_id)) {
      // Removed, banned or never allowed: the subscription is gone, do not resume it.
      this.#subs.delete(f.channel_id);
      this.#replaying.delete(f.channel_id);
    }
    this.#emit({ type: 'error', error });
  }

  #fail(clientMsgId: string, e: RealtimeError): void {
    const p = this.#pending.get(clientMsgId);
    this.#pending.delete(clientMsgId);
    this.#waiters.get(clientMsgId)?.reject(e);
    this.#waiters.delete(clientMsgId);
    if (p) this.#emit({ type: 'pending', channelId: p.channelId });
  }
}

function randomId(): string {
  const c = globalThis.crypto;
  if (c && 'randomUUID' in c) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
