// The interop client: the same steps as interopClient in interop_test.go,
// written against the browser's WebSocket API, so that it runs unchanged in
// Node (with the ws package's WebSocket) and in a browser (the native one).
//
// For each of `attempts` connections to `url`, one after the other:
//   - log every event: "open [protocol]", "message text <data>", "message
//     binary <hex>", "error", "close <code> <reason JSON> clean|unclean";
//   - on open, send the text "hello" and the bytes 01 02 03, and log
//     "buffered <bufferedAmount>": still in the open listener's task, so
//     the 8 bytes count (WHATWG WebSockets, bufferedAmount);
//   - on a text message "ping", answer "pong"; on "buffered?", log
//     "buffered <bufferedAmount>" (a later task: the bytes have left);
//     on "close", call close(1000, "asked") and, at the close event, log
//     "closed after <whole seconds>";
//   - on close, wait 20 ms and connect again.
// Options: `protocols`, the subprotocols to offer; `giveUpMs`, after which
// a socket still connecting is closed, logging "gave up" (the browser then
// fails it: error, close 1006).
// It resolves to the logs, one array of strings per connection.

const hex = (buf) =>
  Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

export function run(WebSocketImpl, url, attempts, options = {}) {
  const protocols = options.protocols || [];
  return new Promise((resolve) => {
    const logs = [];
    const connect = (n) => {
      const log = [];
      logs.push(log);
      const ws = new WebSocketImpl(url, protocols);
      ws.binaryType = "arraybuffer";
      let closeCalled = 0;
      let giveUp = 0;
      if (options.giveUpMs) {
        giveUp = setTimeout(() => {
          log.push("gave up");
          ws.close();
        }, options.giveUpMs);
      }
      ws.addEventListener("open", () => {
        clearTimeout(giveUp);
        log.push(ws.protocol ? "open " + ws.protocol : "open");
        ws.send("hello");
        ws.send(new Uint8Array([1, 2, 3]));
        log.push("buffered " + ws.bufferedAmount);
      });
      ws.addEventListener("message", (e) => {
        if (typeof e.data === "string") {
          log.push("message text " + e.data);
          if (e.data === "ping") ws.send("pong");
          if (e.data === "buffered?") log.push("buffered " + ws.bufferedAmount);
          if (e.data === "close") {
            closeCalled = Date.now();
            ws.close(1000, "asked");
          }
        } else {
          log.push("message binary " + hex(e.data));
        }
      });
      ws.addEventListener("error", () => log.push("error"));
      ws.addEventListener("close", (e) => {
        clearTimeout(giveUp);
        log.push(`close ${e.code} ${JSON.stringify(e.reason)} ${e.wasClean ? "clean" : "unclean"}`);
        if (closeCalled) log.push(`closed after ${Math.floor((Date.now() - closeCalled) / 1000)}s`);
        if (n < attempts) setTimeout(() => connect(n + 1), 20);
        else resolve(logs);
      });
    };
    connect(1);
  });
}
