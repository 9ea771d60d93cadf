// The tab's one realtime client (created on first use) and its connection state as
// reactive values for the channel pages.

import { RealtimeClient, type Connectivity, type Status } from '../realtime/client';
import { session } from '../lib/session.svelte';

export const connection: { status: Status; /** Was open at least once (the banner is for losing it). */ wasOpen: boolean } = $state({
  status: 'stopped',
  wasOpen: false,
});

let client: RealtimeClient | null = null;
let watching = false;

/** Logging out in this tab ends the socket at once (the server also closes it). */
function watchSession(): void {
  if (watching) return;
  watching = true;
  $effect.root(() => {
    $effect(() => {
      if (session.loaded && !session.user) stopRealtime();
    });
  });
}

const browserConnectivity: Connectivity = {
  isOnline: () => navigator.onLine,
  onChange(cb) {
    const on = () => cb(true);
    const off = () => cb(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  },
};

function socketUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/v1/ws`;
}

/** The running client. After a logout or an ended session a fresh one (with an empty store:
 * the next account may not read what the last one could). */
export function realtime(): RealtimeClient {
  if (client && (client.status === 'stopped' || client.status === 'signed_out')) {
    client.stop();
    client = null;
  }
  watchSession();
  if (!client) {
    const c = new RealtimeClient({ url: socketUrl(), connectivity: browserConnectivity });
    c.listen((e) => {
      if (e.type !== 'status' || client !== c) return;
      connection.status = e.status;
      if (e.status === 'open') connection.wasOpen = true;
    });
    client = c;
    connection.wasOpen = false;
    c.start();
  }
  return client;
}

/** Ends the socket (logout in this tab). */
export function stopRealtime(): void {
  client?.stop();
}
