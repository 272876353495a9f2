import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { type ConnectionCounter, countConnections, runCli } from "../_support/cli.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { main } from "../../lib/cli/main.ts";
import type { CliIo } from "../../lib/cli/cli_io.ts";

const SECRET = "sk-cli-SECRET-91c2";

function captureIo(env: Record<string, string> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    isTTY: false,
    env,
    onInterrupt: () => () => {},
  };
}

/**
 * Broken workflow files and the exact message each must produce (file:line:column: error: key:
 * message). Every one runs against a listening socket that counts connections: it must stay at 0.
 */
const BROKEN: Record<string, string> = {
  "unknown_top_key.yaml":
    "2:1: error: nmae: unknown key, expected one of version, name, description, connection, environment, max_order_volume, schedule, steps, alerts, thresholds; did you mean 'name'?",
  "bad_duration.yaml":
    '7:14: error: connection.heartbeat: expected a duration such as 250ms, 20s, 5m or 1h, got "20 seconds"',
  "missing_variable.yaml":
    "6:19: error: connection.auth.api_key: environment variable T4_MISSING_KEY is not set, expected it in the environment or an --env-file",
  "unknown_step.yaml":
    "8:5: error: steps[0]: unknown step 'logn', expected one of login, hold, subscribe_market, subscribe_market_by_order, unsubscribe_market, subscribe_accounts, expect, capture, watch, submit_order, revise_order, pull_order, submit_batch, sleep, log; did you mean 'login'?",
  "hold_before_login.yaml":
    "8:5: error: steps[0]: 'hold' needs a session, expected a 'login' step before it",
  "bad_alert_on.yaml":
    `10:9: error: alerts[0].on: expected a login result name (e.g. LOCKED_OUT), login_failed or an event, got "LOCKED_OTU"; did you mean 'LOCKED_OUT'?`,
  "bad_template.yaml":
    "11:36: error: alerts[0].message: unknown template variable 'error_mesage', expected one of workflow, event, result, error_message, step, reason, detail, url, at, attempt, exit_code, threshold; did you mean 'error_message'?",
  "unknown_sink.yaml":
    "13:9: error: alerts[0].to[1].webhok: unknown sink 'webhok', expected one of stderr, stdout, file, webhook, command; did you mean 'webhook'?",
  "yaml_syntax.yaml": '7:1: error: invalid YAML: Missing closing "quote',
  "wrong_version.yaml": "1:10: error: version: expected 1, got 2",
  "env_and_url.yaml": "5:3: error: connection.url: give either env or url, not both",
  "incomplete_auth.yaml":
    "6:5: error: connection.auth: missing app_name, app_license, expected api_key alone, or firm, username, password, app_name and app_license",
  "bad_env.yaml":
    `4:8: error: connection.env: expected live or sim, got "simm"; did you mean 'sim'?`,
  "hold_without_duration.yaml":
    "9:5: error: steps[1].hold: missing argument, expected a duration such as 250ms, 20s, 5m or 1h, or a map with duration and max_downtime",
  "duplicate_key.yaml": "9:1: error: name: duplicate key, expected each key once in a map",
  "bad_secret_type.yaml":
    "6:14: error: connection.auth.api_key: expected an API key, e.g. ${T4_API_KEY}, got a number",
  "bad_reconnect.yaml":
    "9:5: error: connection.reconnect.max_atempts: unknown key, expected one of initial_delay, max_delay, max_attempts; did you mean 'max_attempts'?",
};

describe("t4flow run with a broken workflow", () => {
  let listener: ConnectionCounter;
  before(async () => {
    listener = await countConnections();
  });
  after(() => listener.close());

  it(
    "prints the exact position and message, sends nothing and exits 2",
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "t4flow-broken-"));
      const files = Object.keys(BROKEN);
      assert.ok(files.length >= 12);
      // Two at a time: enough to be quick, little enough for a shared machine.
      for (let i = 0; i < files.length; i += 2) {
        await Promise.all(
          files.slice(i, i + 2).map(async (name) => {
            const file = `tests/fixtures/workflows/invalid/${name}`;
            const report = join(dir, `${name}.report.json`);
            const result = await runCli(
              ["run", file, "--url", `ws://127.0.0.1:${listener.port}/v1`, "--report", report],
              { T4_API_KEY: SECRET },
            );
            assert.equal(result.code, 2, `${name}: ${result.stderr}`);
            const lines = result.stderr.split("\n").filter((l) => l.includes(": error: "));
            assert.deepEqual(lines, [`${file}:${BROKEN[name]}`], name);
            assert.match(result.stderr, /is invalid \(1 error\): nothing was sent\n$/);
            const written = JSON.parse(readFileSync(report, "utf8"));
            assert.equal(written.status, "invalid");
            assert.equal(written.exit_code, 2);
            for (const text of [result.stdout, result.stderr, readFileSync(report, "utf8")]) {
              assert.ok(!text.includes(SECRET), `${name} leaked the secret`);
              assert.ok(!text.includes("918273645"), `${name} leaked a literal key`);
            }
          }),
        );
      }
      assert.equal(listener.count, 0);
    },
  );
});

describe("t4flow CLI", () => {
  it(
    "prints the version and help from mod.ts as the main module",
    { timeout: 60_000 },
    async () => {
      const version = await runCli(["--version"]);
      assert.equal(version.code, 0);
      assert.match(version.stdout, /^t4flow \d+\.\d+\.\d+\n$/);
      const help = await runCli(["run", "--help"]);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^Usage: t4flow run FILE \[options\]/);
    },
  );

  it("prints the JSON Schema that is committed", async () => {
    const io = captureIo();
    assert.equal(await main(["schema"], io), 0);
    assert.deepEqual(
      JSON.parse(io.out.join("")),
      JSON.parse(readFileSync("schema/workflow.schema.json", "utf8")),
    );
  });

  it("validates several files and exits 2 when one is invalid", async () => {
    const io = captureIo({ T4_API_KEY: SECRET, ALERT_WEBHOOK: "https://hooks.example.test/x" });
    const code = await main([
      "validate",
      "examples/session-check.yaml",
      "tests/fixtures/workflows/invalid/bad_env.yaml",
    ], io);
    assert.equal(code, 2);
    assert.deepEqual(io.out, [
      "✓ examples/session-check.yaml is valid\n",
      "✗ tests/fixtures/workflows/invalid/bad_env.yaml is invalid (1 error)\n",
      "2 workflows: 1 valid, 1 invalid\n",
    ]);
    assert.equal(io.err.length, 1);
  });

  it("reads variables from --env-file, the environment winning", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t4flow-envfile-"));
    const envFile = join(dir, ".env");
    writeFileSync(envFile, `T4_API_KEY=${SECRET}\nALERT_WEBHOOK=https://from-file.example.test/\n`);
    const io = captureIo({ ALERT_WEBHOOK: "https://from-env.example.test/" });
    assert.equal(
      await main(["validate", "--env-file", envFile, "examples/session-check.yaml", "--json"], io),
      0,
    );
    assert.deepEqual(JSON.parse(io.out.join("")), {
      type: "validated",
      file: "examples/session-check.yaml",
      valid: true,
      warnings: 0,
    });
  });

  it("rejects bad usage with exit 2", async () => {
    for (
      const [args, message] of [
        [
          ["frobnicate"],
          "t4flow: unknown command 'frobnicate', expected run, validate, sim, schema, console, monitor or markets\n",
        ],
        [["run"], "t4flow: run needs a workflow file, several, or a directory of them\n"],
        [["run", "x.yaml", "--env", "prod"], "t4flow: --env must be live or sim: got 'prod'\n"],
        [
          ["run", "x.yaml", "--hold", "soon"],
          "t4flow: --hold must be a duration such as 250ms, 20s, 5m or 1h: got 'soon'\n",
        ],
        [
          ["run", "x.yaml", "--bogus"],
          "t4flow: Unknown option '--bogus'.\n",
        ],
      ] as const
    ) {
      const io = captureIo();
      assert.equal(await main([...args], io), 2, args.join(" "));
      assert.equal(io.err.join("").split("Run '")[0], message);
    }
    assert.ok(!existsSync("x.yaml"));
  });
});
