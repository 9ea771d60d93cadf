// Protocol v1 of `/api/v1/ws` (README "Real-time protocol"; backend/realtime/src/protocol.rs):
// the frames as TypeScript types. Messages are the REST `Message` schema.

import type { components } from '../api/schema';

export type Message = components['schemas']['Message'];
export type ReactionCount = components['schemas']['ReactionCount'];

export type ClientFrame =
  | { type: 'subscribe'; channel_id: number; since?: number }
  | { type: 'unsubscribe'; channel_id: number }
  | {
      type: 'send';
      channel_id: number;
      client_msg_id: string;
      body: string;
      reply_to?: number;
      title?: string;
    }
  | { type: 'typing'; channel_id: number }
  | { type: 'read'; channel_id: number; message_id: number }
  | { type: 'ping'; nonce?: number };

export interface AckFrame {
  type: 'ack';
  client_msg_id: string;
  message_id: number;
  channel_id: number;
  duplicate: boolean;
}

export interface ErrorFrame {
  type: 'error';
  code: string;
  detail: string;
  channel_id?: number;
  client_msg_id?: string;
}

export type NotificationFrame = { type: 'notification'; kind: string } & Record<string, unknown>;

export type ServerFrame =
  | ({ type: 'message' } & Message)
  | AckFrame
  | { type: 'replay_done'; channel_id: number; last_id: number; replayed: number; more: boolean }
  | { type: 'presence'; channel_id: number; user_id: number; online: boolean }
  | { type: 'presence_snapshot'; channel_id: number; user_ids: number[] }
  | { type: 'typing'; channel_id: number; user_id: number }
  | { type: 'reaction'; channel_id: number; message_id: number; user_id: number; emoji: string; added: boolean }
  | { type: 'pong'; nonce?: unknown }
  | NotificationFrame
  | ErrorFrame
  | { type: 'hello'; protocol: number; user_id: number | null; max_frame_bytes: number; rate_per_sec: number };

const SERVER_TYPES = new Set([
  'message',
  'ack',
  'replay_done',
  'presence',
  'presence_snapshot',
  'typing',
  'reaction',
  'pong',
  'notification',
  'error',
  'hello',
]);

/** A text frame as a server frame, or null when it is not one (ignored, never thrown). */
export function parseServerFrame(text: string): ServerFrame | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const type = (v as { type?: unknown }).type;
  return typeof type === 'string' && SERVER_TYPES.has(type) ? (v as ServerFrame) : null;
}

/** Close codes after which reconnecting is pointless: the session ended or the policy refused. */
export const CLOSE_SIGNED_OUT = 4001;
export const CLOSE_POLICY = 1008;
