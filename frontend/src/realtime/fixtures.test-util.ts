// Test fixtures shared by the realtime unit tests.

import type { Message } from './protocol';

/** A visible message of channel 1 by user 7. */
export function msg(id: number, seq = id, over: Partial<Message> = {}): Message {
  return {
    id,
    seq,
    channel_id: 1,
    author_id: 7,
    kind: 'message',
    body: `m${id}`,
    body_html: `<p>m${id}</p>`,
    state: 'visible',
    pinned: false,
    locked: false,
    created_at: '2026-12-01T10:00:00Z',
    ...over,
  };
}
