/**
 * `t4flow run --record` against the simulator, then `t4flow run --replay` of that recording:
 * offline (a counting listener at the workflow's URL sees no connection), an expectation that
 * the recording meets passes, one it does not meet fails, and a subscription the recording
 * does not contain is a clear error; `market: front` resolves to the market the recording
 * subscribed to. The recording holds no secret.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseRecording } from "../../lib/client/recording_format.ts";
import { startSimulator } from "../../lib/sim/mod.ts";
import { countConnections, runCli } from "../_support/cli.ts";

const SECRET = "sk-REPLAY-e2e-SECRET-6120";
const ES = `exchange: CME_Eq
      contract: ES
      market: XCME_Eq ES (Z26)`;

function workflow(dir: string, name: string, url: string, steps: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `version: 1
name: ${name}
connection:
  url: ${url}
  auth:
    api_key: \${T4_API_KEY}
  reconnect: false
  maintenance: false
steps:
  - login
${steps}`,
  );
  return file;
}

const SUBSCRIBE_ES = `  - subscribe_market:
      ${ES}
`;

describe("t4flow run --record / --replay", () => {
  const dir = mkdtempSync(join(tmpdir(), "t4flow-replay-"));
  const recording = join(dir, "session.jsonl");
  let counter: Awaited<ReturnType<typeof countConnections>>;
  let offline = "";

  before(async () => {
    counter = await countConnections();
    offline = `ws://127.0.0.1:${counter.port}/v1`;
  });
  after(() => counter.close());

  /** Replays the recording at maximum speed into a workflow whose URL is the counter. */
  async function replay(name: string, steps: string) {
    const file = workflow(dir, name, offline, steps);
    const report = join(dir, `${name}.json`);
    const result = await runCli(
      ["run", file, "--replay", recording, "--speed", "max", "--report", report],
      { T4_API_KEY: "offline-dummy-key" },
    );
    return { result, report: JSON.parse(readFileSync(report, "utf8")) };
  }

  it("records a session against the simulator without any secret", async () => {
    await using sim = await startSimulator({
      seed: 5,
      users: [{ apiKey: SECRET, userId: "rec", accounts: ["R-1"] }],
      depthIntervalMs: 50,
    });
    const file = workflow(
      dir,
      "record",
      sim.url,
      `${SUBSCRIBE_ES}  - expect:
      message: market_depth
      where: msg.market_id == "XCME_Eq ES (Z26)" && msg.bids.size() > 0
  - sleep: 500ms
`,
    );
    const result = await runCli(["run", file, "--record", recording], { T4_API_KEY: SECRET });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stderr, /recording every frame to/);
    const text = readFileSync(recording, "utf8");
    assert.ok(!text.includes(SECRET), "the API key is in the recording");
    assert.ok(!text.includes(btoa(SECRET).slice(0, 16)), "the API key is in it as base64");
    const entries = parseRecording(text, recording).entries;
    const sends = entries.filter((e) => e.event === "send");
    assert.deepEqual(sends[0]?.event === "send" && sends[0].redacted, ["loginRequest.apiKey"]);
    assert.ok(entries.filter((e) => e.event === "recv").length > 3);
  });

  it("replays it offline: the expectation passes and nothing connects", async () => {
    const { result, report: parsed } = await replay(
      "replay-pass",
      `${SUBSCRIBE_ES}  - expect:
      message: market_depth
      where: msg.market_id == "XCME_Eq ES (Z26)" && msg.bids.size() > 0
      capture:
        bid: msg.bids[0].price.value
  - log: "bid {{ vars.bid }}"
`,
    );
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stderr, /replaying .*session\.jsonl \(1 connection\) at maximum speed/);
    assert.equal(parsed.status, "succeeded");
    assert.match(String(parsed.vars.bid), /^\d+(\.\d+)?$/);
    assert.equal(counter.count, 0);
  });

  it("replays it offline: an expectation the recording does not meet fails", async () => {
    const { result, report: parsed } = await replay(
      "replay-fail",
      `${SUBSCRIBE_ES}  - expect:
      message: market_depth
      where: msg.bids.size() > 1000
      timeout: 1s
`,
    );
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.equal(parsed.steps[2].status, "failed");
    assert.match(parsed.steps[2].error.message, /timed out|within/i);
    assert.equal(counter.count, 0);
  });

  it("fails the step that subscribes to a market the recording does not contain", async () => {
    const { result, report: parsed } = await replay(
      "replay-mismatch",
      `  - subscribe_market:
      exchange: CME_Eq
      contract: NQ
      market: XCME_Eq NQ (Z26)
  - sleep: 100ms
`,
    );
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.equal(parsed.steps[1].status, "failed");
    assert.match(
      parsed.steps[1].error.message,
      /^Cannot replay as the client sent marketDepthSubscribe \{"exchangeId":"CME_Eq","contractId":"NQ"/,
    );
    assert.equal(counter.count, 0);
  });

  it("resolves market: front to the market the recording subscribed to, offline", async () => {
    const { result, report: parsed } = await replay(
      "replay-front",
      `  - subscribe_market: { exchange: CME_Eq, contract: ES, market: front }
  - expect:
      message: market_depth
      where: msg.market_id == vars.front.ES
`,
    );
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.equal(parsed.vars.front.ES, "XCME_Eq ES (Z26)");
    assert.match(result.stdout, /front CME_Eq ES = XCME_Eq ES \(Z26\)/);
    assert.equal(counter.count, 0);
  });

  it("fails market: front for a contract the recording never subscribed to", async () => {
    const { result, report: parsed } = await replay(
      "replay-front-missing",
      `  - subscribe_market: { exchange: CME_Eq, contract: NQ, market: front }
`,
    );
    assert.equal(result.code, 1, result.stderr + result.stdout);
    assert.equal(parsed.steps[1].status, "failed");
    assert.match(
      parsed.steps[1].error.message,
      /market: front for CME_Eq NQ from the recording as it subscribed to no market/,
    );
    assert.equal(counter.count, 0);
  });

  it("refuses a file that is not a recording, naming file and line", async () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"format":"t4flow-recording","version":1,"created_at":"x"}\n{"at":1}\n');
    const file = workflow(dir, "replay-bad", offline, "");
    const result = await runCli(["run", file, "--replay", bad], {
      T4_API_KEY: "offline-dummy-key",
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /bad\.jsonl:2:\d+: 'conn' must be an integer >= 1/);
    assert.equal(counter.count, 0);
  });
});
