/**
 * The simulator as a new user meets it: it logs logins, refusals and subscriptions on stderr
 * (`--quiet` silences it, credentials never appear), a refused login carries an `error_message`
 * like the real server's (so a LOCKED_OUT alert template renders text), and a config error names
 * the line and column of every problem.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { parseSimConfig, simCommand, SimConfigError } from "../../lib/sim/mod.ts";
import type { CliIo } from "../../lib/cli/cli_io.ts";
import { main } from "../../lib/cli/main.ts";
import { startSimulator } from "../../lib/sim/mod.ts";
import { SimClient, until, within } from "../fixtures/sim/sim_client.ts";

class Capture {
  text = "";
  write(chunk: string) {
    this.text += chunk;
  }
}

const ES = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };

async function session(args: string[]): Promise<string> {
  const stdout = new Capture();
  const stderr = new Capture();
  const controller = new AbortController();
  const exit = simCommand(["--port", "0", ...args], { stdout, stderr, signal: controller.signal });
  await until(() => stdout.text.includes("Ctrl+C"), "the banner");
  const url = /ws:\/\/127\.0\.0\.1:\d+\/v1/.exec(stdout.text)![0];
  const refused = await SimClient.connect(url);
  assert.equal(
    (await refused.login({ apiKey: "wrong-key-not-logged" })).result,
    LoginResult.UNAUTHORIZED,
  );
  await refused.close();
  const client = await SimClient.connect(url);
  assert.equal((await client.login({ apiKey: "demo-api-key" })).result, LoginResult.SUCCESS);
  client.send({
    payload: {
      case: "marketDepthSubscribe",
      value: { ...ES, buffer: 4, depthLevels: 10 },
    },
  });
  await client.next("marketDepth");
  controller.abort();
  assert.equal(await within(exit, "exit"), 0);
  await within(client.closed, "client closed");
  return stderr.text;
}

test("t4flow sim logs logins, refusals and subscriptions on stderr, and --quiet silences it", {
  timeout: 60_000,
}, async () => {
  const log = await session([]);
  assert.match(
    log,
    /login refused: UNAUTHORIZED for an unknown API key \(API key or username\/password is incorrect\.\)\n/,
  );
  assert.match(log, /login: user demo-api, session sim-[0-9a-f]+\n/);
  assert.match(log, /depth subscribed: XCME_Eq ES \(Z26\) \(session sim-[0-9a-f]+\)\n/);
  assert.ok(!log.includes("wrong-key-not-logged") && !log.includes("demo-api-key"), log);
  assert.equal(await session(["--quiet"]), "");
});

test("a refused login carries an error_message, so a LOCKED_OUT template renders text", {
  timeout: 60_000,
}, async () => {
  await using sim = await startSimulator({
    users: [{ apiKey: "sk-locked-key-1", userId: "ops", outcome: "LOCKED_OUT" }],
  });
  const dir = mkdtempSync(join(tmpdir(), "t4flow-sim-locked-"));
  const file = join(dir, "w.yaml");
  writeFileSync(
    file,
    `version: 1
name: locked
connection:
  url: ${sim.url}
  auth: { api_key: "\${K}" }
steps: [login]
alerts:
  - on: LOCKED_OUT
    message: "T4 login locked out: {{ error_message }}"
    to: [stdout]
`,
  );
  let out = "";
  const io: CliIo = {
    stdout: (t) => void (out += t),
    stderr: (t) => void (out += t),
    isTTY: false,
    env: { K: "sk-locked-key-1" },
    onInterrupt: () => () => {},
  };
  assert.equal(await main(["run", file], io), 3);
  assert.match(
    out,
    /alert: T4 login locked out: Too many failed login attempts\. The user is locked out\.\n/,
  );
});

test("a simulator config error names the line and column of every problem", () => {
  assert.throws(
    () =>
      parseSimConfig(
        "seed: 3\nusers:\n  - apiKey: k\n    outcome: NOPE\nheartbeet: 1\n",
        "sim.yaml",
      ),
    (error: unknown) => {
      assert.ok(error instanceof SimConfigError);
      const lines = error.message.split("\n");
      assert.equal(lines.length, 2);
      assert.match(
        lines[0]!,
        /^Cannot load simulator config 'sim\.yaml' as 'users\[0\]\.outcome' is invalid at line 4, column 14: /,
      );
      assert.equal(
        lines[1],
        `Cannot load simulator config 'sim.yaml' as 'heartbeet' is invalid at line 5, column 1: Unrecognized key: "heartbeet"`,
      );
      return true;
    },
  );
});

test("t4flow sim: a mistyped option gets a suggestion, not parseArgs' text", async () => {
  const stderr = new Capture();
  assert.equal(await simCommand(["--prot", "9000"], { stderr }), 2);
  assert.match(
    stderr.text,
    /^Unknown option '--prot'\. Did you mean '--port'\?\n\nUsage: t4flow sim/,
  );
});
