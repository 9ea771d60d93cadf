import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, type Connectivity, type RealtimeEvent, type SocketLike } from './client';
import { msg } from './fixtures.test-util';

/** A scripted server end: records the client's frames, sends frames back. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closed: number | null = null;
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onerror: SocketLike['onerror'] = null;

  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000) {
    this.closed = code;
    this.readyState = 3;
  }
  /** The server accepted the upgrade and greeted. */
  hello(userId: number | null = 7) {
    this.readyState = 1;
    this.onopen?.({});
    this.push({ type: 'hello', protocol: 1, user_id: userId, max_frame_bytes: 16384, rate_per_sec: 20 });
  }
  push(frame: object) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  ofType(type: string) {
    return this.sent.filter((f) => f.type === type);
  }
}

class FakeNet implements Connectivity {
  online = true;
  cbs = new Set<(o: boolean) => void>();
  isOnline() {
    return this.online;
  }
  onChange(cb: (o: boolean) => void) {
    this.cbs.add(cb);
    return () => this.cbs.delete(cb);
  }
  set(online: boolean) {
    this.online = online;
    for (const cb of this.cbs) cb(online);
  }
}

let sockets: FakeSocket[];
let net: FakeNet;
let ids: number;

function client(extra: Partial<ConstructorParameters<typeof RealtimeClient>[0]> = {}) {
  return new RealtimeClient({
    url: 'ws://test/api/v1/ws',
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    connectivity: net,
    random: () => 1,
    newId: () => `c${++ids}`,
    ...extra,
  });
}
const last = () => sockets[sockets.length - 1] as FakeSocket;

beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
  net = new FakeNet();
  ids = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RealtimeClient', () => {
  it('subscribes after hello with since = the newest id held', () => {
    const c = client();
    c.store.upsert(msg(41));
    c.subscribe(1);
    c.start();
    expect(last().sent).toEqual([]);
    last().hello();
    expect(c.status).toBe('open');
    expect(last().ofType('subscribe')).toEqual([{ type: 'subscribe', channel_id: 1, since: 41 }]);
  });

  it('reconnects with backoff and resumes after the newest message, exactly once each', () => {
    const c = client({ initialBackoffMs: 100 });
    const seen: number[] = [];
    c.listen((e) => e.type === 'message' && seen.push(e.message.id));
    c.subscribe(1);
    c.start();
    last().hello();
    last().push({ type: 'replay_done', channel_id: 1, last_id: 0, replayed: 0, more: false });
    last().push({ type: 'message', ...msg(1) });
    last().push({ type: 'message', ...msg(2) });
    last().drop();
    expect(c.status).toBe('reconnecting');
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    last().drop(); // the second attempt fails too: twice the wait
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    last().hello();
    expect(last().ofType('subscribe')).toEqual([{ type: 'subscribe', channel_id: 1, since: 2 }]);
    // The replay overlaps what is held (a live frame raced the drop): no duplicate.
    last().push({ type: 'message', ...msg(2) });
    last().push({ type: 'message', ...msg(3) });
    last().push({ type: 'replay_done', channel_id: 1, last_id: 3, replayed: 2, more: false });
    expect(c.store.list(1).map((m) => m.id)).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('subscribes again while the replay says there is more', () => {
    const c = client();
    c.subscribe(1);
    c.start();
    last().hello();
    last().push({ type: 'message', ...msg(10) });
    last().push({ type: 'replay_done', channel_id: 1, last_id: 10, replayed: 1, more: true });
    expect(last().ofType('subscribe').map((f) => f.since)).toEqual([0, 10]);
    const replayed: boolean[] = [];
    c.listen((e) => e.type === 'message' && replayed.push(e.live));
    last().push({ type: 'message', ...msg(11) });
    last().push({ type: 'replay_done', channel_id: 1, last_id: 11, replayed: 1, more: false });
    last().push({ type: 'message', ...msg(12) });
    expect(replayed).toEqual([false, true]);
  });

  it('retries an unacknowledged send on reconnect with the same client_msg_id', async () => {
    const c = client({ initialBackoffMs: 10 });
    c.subscribe(1);
    c.start();
    last().hello();
    const sent = c.send(1, 'Hallo', { replyTo: 5 });
    expect(last().ofType('send')).toEqual([{ type: 'send', channel_id: 1, client_msg_id: 'c1', body: 'Hallo', reply_to: 5 }]);
    expect(c.pending(1)).toHaveLength(1);
    last().drop();
    vi.advanceTimersByTime(10);
    last().hello();
    const frames = last().sent.map((f) => f.type);
    expect(frames).toEqual(['subscribe', 'send']);
    expect(last().ofType('send')[0]?.client_msg_id).toBe('c1');
    last().push({ type: 'ack', client_msg_id: 'c1', message_id: 9, channel_id: 1, duplicate: true });
    await expect(sent).resolves.toEqual({ messageId: 9, duplicate: true });
    // Acknowledged but not yet arrived: still shown as pending until the message comes.
    expect(c.pending(1)).toHaveLength(1);
    last().push({ type: 'message', ...msg(9, 9, { client_msg_id: 'c1', author_id: 7 }) });
    expect(c.pending(1)).toEqual([]);
  });

  it('queues a send made while offline and sends it once connected', async () => {
    const c = client();
    c.start();
    const sent = c.send(1, 'Offline geschrieben');
    expect(last().sent).toEqual([]);
    last().hello();
    expect(last().ofType('send')).toHaveLength(1);
    last().push({ type: 'ack', client_msg_id: 'c1', message_id: 3, channel_id: 1, duplicate: false });
    await expect(sent).resolves.toEqual({ messageId: 3, duplicate: false });
  });

  it('rejects a send the server refuses with a German message', async () => {
    const c = client();
    c.start();
    last().hello();
    const sent = c.send(1, 'x');
    last().push({ type: 'error', code: 'forbidden', detail: 'you are muted', channel_id: 1, client_msg_id: 'c1' });
    await expect(sent).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('stummgeschaltet') });
    expect(c.pending(1)).toEqual([]);
  });

  it('sends again after a rate limit instead of giving up', () => {
    const c = client({ retryDelayMs: 1000 });
    c.start();
    last().hello();
    void c.send(1, 'schnell');
    last().push({ type: 'error', code: 'rate_limited', detail: '', client_msg_id: 'c1' });
    expect(last().ofType('send')).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(last().ofType('send')).toHaveLength(2);
  });

  it('drops a revoked subscription and does not resume it', () => {
    const errors: string[] = [];
    const c = client({ initialBackoffMs: 10 });
    c.listen((e) => e.type === 'error' && errors.push(e.error.message));
    c.subscribe(1);
    c.subscribe(2);
    c.start();
    last().hello();
    last().push({ type: 'error', code: 'removed', detail: 'banned', channel_id: 1 });
    expect(errors[0]).toContain('entfernt');
    expect(c.isSubscribed(1)).toBe(false);
    last().drop();
    vi.advanceTimersByTime(10);
    last().hello();
    expect(last().ofType('subscribe').map((f) => f.channel_id)).toEqual([2]);
  });

  it('stops after the server closes with 4001 (logout) instead of reconnecting in a loop', async () => {
    const statuses: string[] = [];
    const c = client({ initialBackoffMs: 10 });
    c.listen((e: RealtimeEvent) => e.type === 'status' && statuses.push(e.status));
    c.start();
    last().hello();
    const sent = c.send(1, 'zu spät');
    last().drop(4001);
    await expect(sent).rejects.toMatchObject({ code: 'signed_out' });
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(statuses).toEqual(['connecting', 'open', 'signed_out']);
  });

  it('treats an anonymous hello after a signed-in one as the end of the session', () => {
    const c = client({ initialBackoffMs: 10 });
    c.start();
    last().hello(7);
    last().drop();
    vi.advanceTimersByTime(10);
    last().hello(null);
    expect(c.status).toBe('signed_out');
    expect(last().closed).toBe(1000);
  });

  it('closes at once when the browser goes offline and reconnects when it is back', () => {
    const c = client({ initialBackoffMs: 10 });
    c.subscribe(1);
    c.start();
    last().hello();
    last().push({ type: 'message', ...msg(4) });
    net.set(false);
    expect(last().closed).toBe(4000);
    expect(c.status).toBe('reconnecting');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1); // no attempts while offline
    net.set(true);
    expect(sockets).toHaveLength(2);
    last().hello();
    expect(last().ofType('subscribe')).toEqual([{ type: 'subscribe', channel_id: 1, since: 4 }]);
  });

  it('pings and reconnects when the server stays silent', () => {
    const c = client({ pingIntervalMs: 1000, pongTimeoutMs: 500, initialBackoffMs: 10 });
    c.start();
    last().hello();
    vi.advanceTimersByTime(1000);
    expect(last().ofType('ping')).toEqual([{ type: 'ping', nonce: 1 }]);
    last().push({ type: 'pong', nonce: 1 });
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(500); // second ping unanswered
    expect(last().closed).toBe(4002);
    vi.advanceTimersByTime(10);
    expect(sockets).toHaveLength(2);
  });

  it('applies live reactions and ignores frames of channels it does not hold', () => {
    const c = client();
    c.subscribe(1);
    c.start();
    last().hello(7);
    last().push({ type: 'message', ...msg(1) });
    last().push({ type: 'message', ...msg(2, 1, { channel_id: 99 }) });
    expect(c.store.list(99)).toEqual([]);
    last().push({ type: 'reaction', channel_id: 1, message_id: 1, user_id: 8, emoji: '🎉', added: true });
    expect(c.store.get(1, 1)?.reactions).toEqual([{ emoji: '🎉', count: 1, mine: false }]);
    last().push({ type: 'reaction', channel_id: 1, message_id: 1, user_id: 7, emoji: '🎉', added: true });
    expect(c.store.get(1, 1)?.reactions).toEqual([{ emoji: '🎉', count: 2, mine: true }]);
  });

  it('releases a subscription only when its last holder lets go', () => {
    const c = client();
    c.start();
    last().hello();
    const a = c.subscribe(1);
    const b = c.subscribe(1);
    expect(last().ofType('subscribe')).toHaveLength(1);
    a();
    a();
    expect(last().ofType('unsubscribe')).toEqual([]);
    b();
    expect(last().ofType('unsubscribe')).toEqual([{ type: 'unsubscribe', channel_id: 1 }]);
  });
  it('passes on the presence snapshot of a channel it holds, and nothing of others', () => {
    const c = client();
    const seen: RealtimeEvent[] = [];
    c.listen((e) => {
      if (e.type === 'presence_snapshot') seen.push(e);
    });
    c.subscribe(1);
    c.start();
    last().hello(7);
    last().push({ type: 'presence_snapshot', channel_id: 1, user_ids: [7, 8, 9] });
    last().push({ type: 'presence_snapshot', channel_id: 99, user_ids: [5] });
    last().push({ type: 'presence_snapshot', channel_id: 1, user_ids: 'nonsense' });
    expect(seen).toEqual([{ type: 'presence_snapshot', channelId: 1, userIds: [7, 8, 9] }]);
  });
});
