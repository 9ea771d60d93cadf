// `error` frames and closes of the websocket → one typed error with a German message.

import { de } from '../i18n/de';

const messages = de.channels.wsErrors as Record<string, string>;

export class RealtimeError extends Error {
  readonly code: string;
  readonly detail: string;
  readonly channelId: number | null;
  readonly clientMsgId: string | null;

  constructor(code: string, detail = '', channelId: number | null = null, clientMsgId: string | null = null) {
    super(messages[code] ?? messages.unknown ?? code);
    this.name = 'RealtimeError';
    this.code = code;
    this.detail = detail;
    this.channelId = channelId;
    this.clientMsgId = clientMsgId;
  }
}

/** Worth sending again after a pause (the server dedupes the retry). */
export function isRetryable(code: string): boolean {
  return code === 'rate_limited' || code === 'internal';
}

/** The channel is closed to this socket: resuming the subscription would only fail again. */
export function revokesSubscription(code: string): boolean {
  return code === 'removed' || code === 'forbidden' || code === 'not_found';
}
