// node reconnecting-client.mjs URL [SCALE] [--bug hot-loop]
//
// A small reconnecting client on Node's ws package, for `wsdouble exam`:
// the interop test puts it through the client checker's battery. Its
// policy, every duration multiplied by SCALE (1 by default):
//   - the first attempt at once; the k-th retry in a row waits
//     1000 ms × 2^(k-1), capped at 4000 ms; a connection up 2000 ms starts
//     the count over; after 5 retries in a row, a refusal with 401 or 403,
//     or a close with 4001, it gives up (and waits to be stopped);
//   - a handshake unanswered after 2000 ms is abandoned;
//   - it offers the subprotocol v1, sends {"op":"subscribe"} on every
//     open, and {"op":"ping"} every 2000 ms: a connection that left one
//     without a {"op":"pong"} for 1000 ms is taken for dead (terminated);
//   - on SIGINT (or SIGTERM) it closes with 1000, waits at most 1000 ms
//     for the server's answer, and exits.
// --bug hot-loop makes it a broken client: after an open connection is
// lost without a close frame (1006), it dials again at once.
import { WebSocket } from "ws";

const args = process.argv.slice(2);
const bugAt = args.indexOf("--bug");
const bug = bugAt >= 0 ? args.splice(bugAt, 2)[1] : "";
const [url, scaleArg] = args;
const scale = Number(scaleArg || "1");
if (!url || !(scale > 0) || (bug !== "" && bug !== "hot-loop")) {
  console.error("usage: node reconnecting-client.mjs URL [SCALE] [--bug hot-loop]");
  process.exit(2);
}
const ms = (n) => n * scale;

const policy = {
  min: ms(1000), max: ms(4000), factor: 2, resetAfter: ms(2000), maxRetries: 5,
  giveUpStatuses: [401, 403], giveUpCodes: [4001], connectTimeout: ms(2000),
  pingEvery: ms(2000), pongWithin: ms(1000), closeWait: ms(1000),
};

let ws = null; // the current socket
let retries = 0; // retries in a row
let state = "connecting"; // connecting, open, waiting, idle, stopping
const timers = { retry: null, uptime: null, ping: null, pong: null, close: null };
const clear = (name) => { clearTimeout(timers[name]); timers[name] = null; };
const log = (...a) => console.log(`+${Math.round(performance.now())}ms`, ...a);

function dial() {
  state = "connecting";
  const sock = new WebSocket(url, ["v1"], { handshakeTimeout: policy.connectTimeout });
  ws = sock;
  let status = 0; // of a refused handshake
  let opened = false;
  sock.on("open", () => {
    if (sock !== ws) return;
    opened = true;
    state = "open";
    log("open");
    sock.send(JSON.stringify({ op: "subscribe" }));
    timers.uptime = setTimeout(() => { retries = 0; }, policy.resetAfter);
    timers.ping = setInterval(ping, policy.pingEvery);
  });
  sock.on("message", (data) => {
    if (sock !== ws) return;
    let m;
    try { m = JSON.parse(data.toString()); } catch { return; }
    if (m && m.op === "pong") clear("pong");
  });
  sock.on("error", (err) => {
    const refused = /Unexpected server response: (\d+)/.exec(err.message);
    if (refused) status = Number(refused[1]);
    log("error", err.message);
  });
  sock.on("close", (code) => {
    log("close", code);
    if (state === "stopping") {
      if (sock === ws) process.exit(0);
      return;
    }
    if (sock !== ws) return;
    lost(code, status, opened);
  });
}

function ping() {
  if (ws.readyState !== WebSocket.OPEN) return;
  if (!timers.pong) timers.pong = setTimeout(dead, policy.pongWithin);
  ws.send(JSON.stringify({ op: "ping" }));
}

// dead gives up a connection whose pong never came.
function dead() {
  log("keepalive: no pong");
  const old = ws;
  ws = null;
  old.terminate();
  lost(1006, 0, false);
}

function lost(code, status, opened) {
  for (const t of ["uptime", "ping", "pong"]) clear(t);
  if (policy.giveUpStatuses.includes(status) || policy.giveUpCodes.includes(code) || retries >= policy.maxRetries) {
    log("giving up");
    state = "idle";
    return;
  }
  retries++;
  state = "waiting";
  if (bug === "hot-loop" && opened && code === 1006) {
    dial();
    return;
  }
  const delay = Math.min(policy.min * policy.factor ** (retries - 1), policy.max);
  timers.retry = setTimeout(dial, delay);
}

function stop() {
  if (state === "stopping") return;
  const was = state;
  state = "stopping";
  for (const t of Object.keys(timers)) clear(t);
  if (!ws || was === "waiting" || was === "idle" || ws.readyState === WebSocket.CLOSED) process.exit(0);
  setTimeout(() => { ws.terminate(); process.exit(0); }, policy.closeWait);
  if (ws.readyState === WebSocket.CONNECTING) {
    ws.terminate();
    process.exit(0);
  }
  ws.close(1000, "stop");
}

process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dial();
