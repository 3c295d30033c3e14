// node node-client.mjs URL ATTEMPTS [OPTIONS_JSON]: runs the interop client
// (client.js) with the ws package's WebSocket and prints the logs as JSON.
import { WebSocket } from "ws";
import { run } from "./client.js";

const [url, attempts, options] = process.argv.slice(2);
if (!url || !(Number(attempts) > 0)) {
  console.error("usage: node node-client.mjs URL ATTEMPTS [OPTIONS_JSON]");
  process.exit(2);
}
const logs = await run(WebSocket, url, Number(attempts), JSON.parse(options || "{}"));
process.stdout.write(JSON.stringify(logs) + "\n");
