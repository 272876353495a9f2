/**
 * `t4flow console` as a user runs it, against the embedded simulator: scripted through a pipe
 * (subscribe, see depth, unsubscribe; a bad line; no login), and interactively on a
 * pseudo-terminal (completion, an unknown field, a filtered subscription). No credential is ever
 * printed or recorded.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fromBinary, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { parseRecording } from "../../lib/client/recording_format.ts";
import { ClientMessageSchema, ServerMessageSchema } from "../../lib/protocol/proto.ts";
import { startSimulator } from "../../lib/sim/mod.ts";
import { countConnections, runCli } from "../_support/cli.ts";
import { startCli } from "../_support/interactive_cli.ts";

const KEY = "sk-CONSOLE-e2e-SECRET-3391";
const PASSWORD = "pw-CONSOLE-e2e-SECRET-5172";
const ES = '"exchangeId":"CME_Eq","contractId":"ES","marketId":"XCME_Eq ES (Z26)"';
const SUBSCRIBE =
  `{"marketDepthSubscribe":{${ES},"buffer":"DEPTH_BUFFER_SMART","depthLevels":"DEPTH_LEVELS_NORMAL"}}\n`;
const UNSUBSCRIBE = `{"marketDepthSubscribe":{${ES},"buffer":"NO_SUBSCRIPTION"}}\n`;

function simulator() {
  return startSimulator({
    seed: 4,
    depthIntervalMs: 50,
    users: [
      { apiKey: KEY, userId: "console", accounts: ["C-1"] },
      {
        firm: "F",
        username: "u",
        password: PASSWORD,
        appName: "app",
        appLicense: "lic-CONSOLE-e2e-SECRET-8004",
        userId: "pw",
        accounts: ["C-2"],
      },
    ],
  });
}

function assertNoSecret(...texts: string[]): void {
  for (const text of texts) {
    for (const secret of [KEY, PASSWORD, "lic-CONSOLE-e2e-SECRET-8004"]) {
      assert.ok(!text.includes(secret), `a secret was shown:\n${text}`);
    }
  }
}

describe("t4flow console in a pipe", () => {
  it("subscribes, prints depth as JSON lines, unsubscribes and exits 0", async () => {
    await using sim = await simulator();
    const record = join(mkdtempSync(join(tmpdir(), "t4flow-console-")), "console.jsonl");
    const cli = startCli(["console", "--url", sim.url, "--record", record, "--wait", "200ms"], {
      T4_API_KEY: KEY,
    });
    cli.write(SUBSCRIBE);
    await cli.waitFor(/^\{"marketDepth":\{"marketId":"XCME_Eq ES \(Z26\)"/m);
    cli.write(UNSUBSCRIBE);
    cli.end();
    assert.equal(await cli.exited, 0, cli.stderr);
    const lines = cli.stdout.trimEnd().split("\n");
    const cases = lines.map((line) =>
      fromJson(ServerMessageSchema, JSON.parse(line) as JsonValue).payload.case
    );
    assert.equal(cases[0], "loginResponse");
    assert.ok(cases.includes("marketDepth"));
    assert.ok(!cases.includes("heartbeat"));
    assert.match(cli.stderr, /logged in to ws:\/\/127\.0\.0\.1:\d+\/v1: session \S+ \(1 account\)/);
    assert.match(cli.stderr, /sent marketDepthSubscribe .*"buffer":"DEPTH_BUFFER_NO_SUBSCRIPTION"/);
    const text = readFileSync(record, "utf8");
    assertNoSecret(cli.stdout, cli.stderr, text);
    const sent = parseRecording(text, record).entries.flatMap((e) =>
      e.event === "send" ? [fromBinary(ClientMessageSchema, e.data).payload.case] : []
    );
    assert.deepEqual(sent.filter((c) => c !== "heartbeat"), [
      "loginRequest",
      "marketDepthSubscribe",
      "marketDepthSubscribe",
    ]);
  });

  it("reports a bad line with its number, sends the others and exits 2", async () => {
    await using sim = await simulator();
    const cli = startCli(["console", "--url", sim.url, "--wait", "100ms"], { T4_API_KEY: KEY });
    cli.write(`{"marketDepthSubscribe":{"marketIdd":"x"}}\n# a comment\n${SUBSCRIBE}`);
    cli.end();
    assert.equal(await cli.exited, 2);
    assert.match(
      cli.stderr,
      /stdin:1: Cannot send the message as 'marketDepthSubscribe\.marketIdd' is not a field of MarketDepthSubscribe: did you mean 'marketId'\?/,
    );
    assert.match(cli.stderr, /sent marketDepthSubscribe/);
  });

  it("with --no-login sends the typed login, echoing it with the secrets redacted", async () => {
    await using sim = await simulator();
    const login = {
      loginRequest: {
        firm: "F",
        username: "u",
        password: PASSWORD,
        appName: "app",
        appLicense: "lic-CONSOLE-e2e-SECRET-8004",
      },
    };
    const cli = startCli(["console", "--url", sim.url, "--no-login", "--wait", "300ms"], {});
    cli.write(`${JSON.stringify(login)}\n`);
    await cli.waitFor(/^\{"loginResponse":\{/m);
    cli.end();
    assert.equal(await cli.exited, 0, cli.stderr);
    assert.match(cli.stderr, /without logging in/);
    assert.match(cli.stderr, /sent loginRequest .*"password":"\[REDACTED\]"/);
    assert.match(cli.stdout, /"userId":"pw"/);
    assertNoSecret(cli.stdout, cli.stderr);
  });

  it("exits 3 when it cannot connect, and 2 without credentials", async () => {
    const counter = await countConnections();
    try {
      const refused = await runCli(
        ["console", "--url", `ws://127.0.0.1:${counter.port}/v1`],
        { T4_API_KEY: KEY },
      );
      assert.equal(refused.code, 3, refused.stderr);
      assertNoSecret(refused.stdout, refused.stderr);
    } finally {
      counter.close();
    }
    const missing = await runCli(["console", "--env", "sim"], { T4_API_KEY: "", T4_FIRM: "f" });
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /console needs T4_USERNAME, T4_PASSWORD, T4_APP_NAME, T4_APP_LICENSE/,
    );
  });
});

describe("t4flow console on a terminal", () => {
  it("completes, explains an unknown field, filters depth, recalls history and quits", async () => {
    await using sim = await simulator();
    const cli = startCli(["console", "--url", sim.url], {
      T4_API_KEY: "",
      T4_FIRM: "F",
      T4_USERNAME: "u",
      T4_PASSWORD: PASSWORD,
      T4_APP_NAME: "app",
      T4_APP_LICENSE: "lic-CONSOLE-e2e-SECRET-8004",
    }, { pty: true });
    try {
      await cli.waitFor(/logged in to .*\(1 account\)[\s\S]*t4> /);
      // Completion of a payload case, then of a field name inside it.
      cli.write('{"marketDepthSub');
      await cli.waitFor(/\{"marketDepthSub/);
      cli.write("\t");
      await cli.waitFor(/\{"marketDepthSubscribe"/);
      cli.write(': {"exchangeId": "CME_Eq", "contr');
      await cli.waitFor(/"contr$/m);
      cli.write("\t");
      await cli.waitFor(/"contractId"/);
      // An unknown field: a clear error, nothing sent.
      cli.write(': "ES", "marketIdd": "x"}}\r');
      await cli.waitFor(
        /is not a field of MarketDepthSubscribe: did you mean 'marketId'\?[\s\S]*t4> /,
      );
      cli.write("/filter marketDepth\r");
      await cli.waitFor(/showing only marketDepth/);
      cli.write(
        "marketDepthSubscribe: {exchangeId: CME_Eq, contractId: ES, marketId: XCME_Eq ES (Z26), buffer: SMART, depthLevels: NORMAL}\r",
      );
      await cli.waitFor(/→ marketDepthSubscribe/);
      await cli.waitFor(/← \d\d:\d\d:\d\d\.\d{3} marketDepth\r?\n\s+marketId: XCME_Eq ES \(Z26\)/);
      // History: Up recalls the previous line.
      cli.write("/heartbeats off\r");
      await cli.waitFor(/heartbeats hidden/);
      cli.write("\x1b[A");
      await cli.waitFor(/heartbeats hidden[\s\S]*t4> \/heartbeats off/);
      cli.write("\r");
      await cli.waitFor(/heartbeats hidden[\s\S]*heartbeats hidden/);
      cli.write("/quit\r");
      assert.equal(await cli.exited, 0);
      assert.ok(!/← \S+ marketHighLow/.test(cli.stdout.split("showing only")[1] ?? ""));
      assertNoSecret(cli.stdout);
    } finally {
      cli.kill();
    }
  });
});
