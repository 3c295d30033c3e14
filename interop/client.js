// The interop client: the same steps as interopClient in interop_test.go,
// written against the browser's WebSocket API, so that it runs unchanged in
// Node (with the ws package's WebSocket) and in a browser (the native one).
//
// For each of `attempts` connections to `url`, one after the other:
//   - log every event: "open", "message text <data>", "message binary
//     <hex>", "error", "close <code> <reason JSON> clean|unclean";
//   - on open, send the text "hello" and the bytes 01 02 03;
//   - on a text message "ping", answer "pong";
//   - on close, wait 20 ms and connect again.
// It resolves to the logs, one array of strings per connection.

const hex = (buf) =>
  Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

export function run(WebSocketImpl, url, attempts) {
  return new Promise((resolve) => {
    const logs = [];
    const connect = (n) => {
      const log = [];
      logs.push(log);
      const ws = new WebSocketImpl(url);
      ws.binaryType = "arraybuffer";
      ws.addEventListener("open", () => {
        log.push("open");
        ws.send("hello");
        ws.send(new Uint8Array([1, 2, 3]));
      });
      ws.addEventListener("message", (e) => {
        if (typeof e.data === "string") {
          log.push("message text " + e.data);
          if (e.data === "ping") ws.send("pong");
        } else {
          log.push("message binary " + hex(e.data));
        }
      });
      ws.addEventListener("error", () => log.push("error"));
      ws.addEventListener("close", (e) => {
        log.push(`close ${e.code} ${JSON.stringify(e.reason)} ${e.wasClean ? "clean" : "unclean"}`);
        if (n < attempts) setTimeout(() => connect(n + 1), 20);
        else resolve(logs);
      });
    };
    connect(1);
  });
}
