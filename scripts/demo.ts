/**
 * `deno task demo`: starts the embedded simulator in this process, plus a local webhook receiver
 * for `${ALERT_WEBHOOK}`, and runs `examples/session-check.yaml` against them with the CLI. The
 * example holds the session for 30s; the demo shortens the hold to 5s (`--hold`), and any extra
 * arguments go to `t4flow run` (e.g. `deno task demo --hold 30s --json`).
 *
 * @module
 */

import { createServer } from "node:http";
import process from "node:process";
import { processIo } from "../lib/cli/cli_io.ts";
import { main } from "../lib/cli/main.ts";
import { DEMO_API_KEY, startSimulator } from "../lib/sim/mod.ts";

const args = process.argv.slice(2);
await using sim = await startSimulator({ seed: 1 });

// A local stand-in for a Slack webhook, so the example's ${ALERT_WEBHOOK} has somewhere to go.
const received: string[] = [];
const webhook = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    received.push(body);
    response.writeHead(200).end("ok");
  });
});
await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
const port = (webhook.address() as { port: number }).port;

const io = processIo();
io.stdout(`t4flow demo: simulator at ${sim.url} (REST API ${sim.restUrl})\n\n`);
const code = await main(
  [
    "run",
    "examples/session-check.yaml",
    "--url",
    sim.url,
    "--api",
    sim.restUrl,
    ...(args.includes("--hold") ? [] : ["--hold", "5s"]),
    ...args,
  ],
  {
    ...io,
    env: { ...io.env, T4_API_KEY: DEMO_API_KEY, ALERT_WEBHOOK: `http://127.0.0.1:${port}/alerts` },
  },
);
webhook.close();
io.stdout(
  `\nt4flow demo: exit code ${code}; simulator saw ${sim.stats.logins} login(s), ${sim.stats.heartbeatsReceived} heartbeat(s) received; webhook got ${received.length} alert(s)\n`,
);
process.exitCode = code;
