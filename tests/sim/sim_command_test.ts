import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { parseSimConfig, simCommand, SimConfigError } from "../../lib/sim/mod.ts";
import { SimClient, until, within } from "../fixtures/sim/sim_client.ts";

class Capture {
  text = "";
  write(chunk: string) {
    this.text += chunk;
  }
}

async function withTempFile<T>(name: string, content: string, run: (path: string) => Promise<T>) {
  const dir = await mkdtemp(join(tmpdir(), "t4flow-sim-"));
  try {
    const path = join(dir, name);
    await writeFile(path, content);
    return await run(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("sim command: --help prints usage and exits 0", async () => {
  const stdout = new Capture();
  assert.equal(await simCommand(["--help"], { stdout }), 0);
  assert.match(
    stdout.text,
    /Usage: t4flow sim \[--port N\] \[--rest-port N\] \[--host H\] \[--config FILE\] \[--seed N\]/,
  );
});

test("sim command: an unknown option or a bad port exits 2 with the reason", async () => {
  const stderr = new Capture();
  assert.equal(await simCommand(["--nope"], { stderr }), 2);
  assert.match(stderr.text, /nope/);
  const stderr2 = new Capture();
  assert.equal(await simCommand(["--port", "99999"], { stderr: stderr2 }), 2);
  assert.match(
    stderr2.text,
    /'--port' must be an integer from 0 to 65535: current value is '99999'/,
  );
});

test("sim command: serves, prints the URL and the demo credential, stops on abort", async () => {
  const stdout = new Capture();
  const controller = new AbortController();
  const exit = simCommand(["--port", "0", "--seed", "9"], { stdout, signal: controller.signal });
  await until(() => stdout.text.includes("Ctrl+C"), "the banner");
  const url = /ws:\/\/127\.0\.0\.1:\d+\/v1/.exec(stdout.text)?.[0];
  assert.ok(url !== undefined);
  assert.match(stdout.text, /Demo API key: demo-api-key/);
  const rest = /REST API \(market lookup\): (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout.text)?.[1];
  assert.ok(rest !== undefined, stdout.text);
  const exchanges = await fetch(`${rest}/markets/exchanges`, {
    headers: { authorization: "APIKey demo-api-key" },
  });
  assert.equal(exchanges.status, 200);
  await exchanges.body?.cancel();
  const client = await SimClient.connect(url);
  assert.equal((await client.login({ apiKey: "demo-api-key" })).result, LoginResult.SUCCESS);
  controller.abort();
  assert.equal(await within(exit, "exit"), 0);
  await within(client.closed, "client closed");
  assert.match(stdout.text, /Simulator stopped/);
});

test("sim command: --config loads YAML users and never prints their credentials", async () => {
  const yaml = [
    "seed: 4",
    "heartbeatMs: 5000",
    "users:",
    "  - apiKey: yaml-secret-key",
    "    userId: ops",
    "    accounts: [OPS-1]",
  ].join("\n");
  await withTempFile("sim.yaml", yaml, async (path) => {
    const stdout = new Capture();
    const controller = new AbortController();
    const exit = simCommand(["--port", "0", "--config", path], {
      stdout,
      signal: controller.signal,
    });
    await until(() => stdout.text.includes("Ctrl+C"), "the banner");
    assert.doesNotMatch(stdout.text, /yaml-secret-key|demo-api-key/);
    assert.match(stdout.text, /Users: 1 from the config file \(credentials not shown\)/);
    const url = /ws:\/\/\S+\/v1/.exec(stdout.text)![0];
    const client = await SimClient.connect(url);
    const reply = await client.login({ apiKey: "yaml-secret-key" });
    assert.equal(reply.userId, "ops");
    assert.deepEqual(reply.accounts.map((a) => a.accountId), ["OPS-1"]);
    controller.abort();
    assert.equal(await within(exit, "exit"), 0);
  });
});

test("sim command: an invalid config exits 1 naming the file and the key", async () => {
  await withTempFile("bad.json", '{"users":[{"apiKey":"k","outcome":"NOPE"}]}', async (path) => {
    const stderr = new Capture();
    assert.equal(await simCommand(["--config", path], { stderr }), 1);
    assert.ok(stderr.text.includes(path));
    assert.match(stderr.text, /'users\[0\]\.outcome' is invalid/);
  });
});

test("sim config: a YAML syntax error names the line and column", () => {
  assert.throws(
    () => parseSimConfig("users:\n  - apiKey: [unclosed\n", "sim.yaml"),
    (error: unknown) => {
      assert.ok(error instanceof SimConfigError);
      assert.equal(error.file, "sim.yaml");
      assert.match(
        error.message,
        /Cannot parse simulator config 'sim\.yaml' at line \d+, column \d+/,
      );
      return true;
    },
  );
});

test("sim config: JSON is accepted and unknown keys are rejected by name", () => {
  assert.equal(parseSimConfig('{"seed": 3, "duplicateLogin": "allow"}', "a.json").seed, 3);
  assert.throws(() => parseSimConfig('{"heartbeat": 1}', "a.json"), /a\.json.*heartbeat/);
});

test("sim config: faults are validated per kind", () => {
  const config = parseSimConfig(
    "faults:\n  - { kind: drop, afterMs: 100, times: 1 }\n  - { kind: maintenance, atMs: 5, durationMs: 9 }\n",
    "f.yaml",
  );
  assert.deepEqual(config.faults, [
    { kind: "drop", afterMs: 100, times: 1 },
    { kind: "maintenance", atMs: 5, durationMs: 9 },
  ]);
  assert.throws(
    () => parseSimConfig("faults:\n  - { kind: flood }\n", "f.yaml"),
    /'faults\[0\]\.frames'/,
  );
  assert.throws(
    () => parseSimConfig("faults:\n  - { kind: explode }\n", "f.yaml"),
    /'faults\[0\]\.kind'/,
  );
});
