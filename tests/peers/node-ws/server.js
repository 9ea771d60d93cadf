// A reference fan-out server on Node's `ws` package, speaking the part of Matchraum's
// websocket protocol v1 that loadgen uses: `hello` after the upgrade, `subscribe` answered
// by `replay_done`, `send` (signed-in sockets only: a bearer token on the upgrade)
// answered by `ack` and fanned out as a `message` frame of Matchraum's shape to every
// subscriber of the channel. Nothing is stored: this measures the socket fan-out alone.
//
//   node server.js PORT      (prints "listening PORT" once it accepts connections)
//
// Each frame is serialised once and sent as the same Buffer to every subscriber, the way
// `ws` documents broadcasting.
import { createServer } from "node:http";
import { WebSocketServer } from "ws";

const port = Number(process.argv[2] ?? 8090);
const channels = new Map(); // channel_id -> Set of sockets
let nextId = 1;
const seqs = new Map(); // channel_id -> last seq

const http = createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  } else {
    res.writeHead(404).end();
  }
});
const wss = new WebSocketServer({ server: http, path: "/api/v1/ws", perMessageDeflate: false });

function send(ws, frame) {
  ws.send(JSON.stringify(frame));
}

wss.on("connection", (ws, req) => {
  const auth = req.headers.authorization ?? "";
  const userId = auth.startsWith("Bearer ") ? 1 : null;
  const subscribed = new Set();
  send(ws, { type: "hello", protocol: 1, user_id: userId, max_frame_bytes: 16384, rate_per_sec: 0 });
  ws.on("message", (data, isBinary) => {
    if (isBinary) {
      return send(ws, { type: "error", code: "unsupported", detail: "send JSON text" });
    }
    let f;
    try {
      f = JSON.parse(data.toString());
    } catch {
      return send(ws, { type: "error", code: "malformed", detail: "not JSON" });
    }
    if (f.type === "subscribe") {
      const c = Number(f.channel_id);
      if (!channels.has(c)) channels.set(c, new Set());
      channels.get(c).add(ws);
      subscribed.add(c);
      send(ws, { type: "replay_done", channel_id: c, last_id: nextId - 1, replayed: 0, more: false });
    } else if (f.type === "send") {
      const c = Number(f.channel_id);
      if (userId === null) {
        return send(ws, { type: "error", code: "unauthorized", detail: "sign in", channel_id: c });
      }
      const id = nextId++;
      const seq = (seqs.get(c) ?? 0) + 1;
      seqs.set(c, seq);
      send(ws, { type: "ack", client_msg_id: f.client_msg_id, message_id: id, channel_id: c, duplicate: false });
      const body = String(f.body ?? "");
      const frame = Buffer.from(
        JSON.stringify({
          type: "message",
          id,
          channel_id: c,
          seq,
          author_id: userId,
          kind: "message",
          body,
          body_html: `<p>${body.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)}</p>\n`,
          reply_to: null,
          state: "visible",
          pinned: false,
          locked: false,
          client_msg_id: f.client_msg_id,
          created_at: new Date().toISOString(),
          edited_at: null,
        }),
      );
      for (const sub of channels.get(c) ?? []) {
        sub.send(frame, { binary: false });
      }
    } else if (f.type === "ping") {
      send(ws, { type: "pong", nonce: f.nonce });
    }
  });
  ws.on("close", () => {
    for (const c of subscribed) channels.get(c)?.delete(ws);
  });
});

http.listen(port, "127.0.0.1", () => {
  console.log(`listening ${port}`);
});
