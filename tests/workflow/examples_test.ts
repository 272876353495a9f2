import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { CliIo } from "../../lib/cli/cli_io.ts";
import { main } from "../../lib/cli/main.ts";
import { startSimulator } from "../../lib/sim/mod.ts";

const KEY = "sk-examples-SECRET-2718";

/** What each example's steps must report when run green against the simulator. */
const EXAMPLES: Record<string, string[]> = {
  "quote-freshness.yaml": [
    "login",
    "subscribe_market front ES",
    "first ES quote",
    "watch es_quotes_stale",
    "hold 1h",
  ],
  "risk-alert.yaml": [
    "login",
    "subscribe_accounts all",
    "first account update",
    "watch margin_over_80_percent",
    "hold 8h",
  ],
  "canary-order.yaml": [
    "login",
    "subscribe_market XCME_Eq ES (Z26)",
    "best bid",
    "far-from-market buy",
    "canary is working",
    "log",
    "pull the canary",
    "canary is finished",
    "unsubscribe_market XCME_Eq ES (Z26)",
  ],
};

describe("examples run green against the simulator", () => {
  for (const [name, steps] of Object.entries(EXAMPLES)) {
    it(name, { timeout: 60_000 }, async () => {
      await using sim = await startSimulator({
        seed: 11,
        users: [{ apiKey: KEY, userId: "ops", accounts: ["OPS-1"] }],
      });
      // A copy, so that alert files land in a temporary folder.
      const dir = mkdtempSync(join(tmpdir(), "t4flow-example-"));
      const file = join(dir, name);
      copyFileSync(join("examples", name), file);
      const report = join(dir, "report.json");
      const junit = join(dir, "junit.xml");
      const out: string[] = [];
      const io: CliIo = {
        stdout: (t) => void out.push(t),
        stderr: (t) => void out.push(t),
        isTTY: false,
        env: { T4_API_KEY: KEY, T4FLOW_ALERT_FILE: join(dir, "alerts.jsonl") },
        onInterrupt: () => () => {},
      };
      const code = await main(
        [
          "run",
          file,
          "--url",
          sim.url,
          "--api",
          sim.restUrl,
          "--hold",
          "1s",
          "--report",
          report,
          "--junit",
          junit,
        ],
        io,
      );
      const text = out.join("");
      assert.equal(code, 0, text);
      const written = JSON.parse(readFileSync(report, "utf8"));
      assert.deepEqual(written.steps.map((s: { name: string }) => s.name), steps);
      assert.ok(written.steps.every((s: { status: string }) => s.status === "succeeded"));
      assert.deepEqual(written.alerts, []);
      assert.ok(!existsSync(join(dir, "alerts.jsonl")), "a green run sends no alert");
      const xml = readFileSync(junit, "utf8");
      assert.match(xml, new RegExp(`<testsuite name="[^"]+" tests="${steps.length}" failures="0"`));
      for (const t of [text, readFileSync(report, "utf8"), xml]) {
        assert.ok(!t.includes(KEY), `${name} leaked the API key`);
      }
    });
  }

  it("canary-order fails loudly when the order is rejected", { timeout: 60_000 }, async () => {
    // The simulator's ES market is unknown here: the order is refused and the alert fires.
    await using sim = await startSimulator({
      seed: 11,
      users: [{ apiKey: KEY, userId: "ops", accounts: ["OPS-1"] }],
      markets: [{
        exchangeId: "CME_Eq",
        contractId: "ES",
        marketId: "XCME_Eq ES (Z26)",
        tickSize: 0.25,
        decimals: 2,
        pointValue: 50,
        startPrice: 50,
      }],
    });
    const dir = mkdtempSync(join(tmpdir(), "t4flow-example-"));
    const file = join(dir, "canary-order.yaml");
    copyFileSync("examples/canary-order.yaml", file);
    const junit = join(dir, "junit.xml");
    const out: string[] = [];
    const io: CliIo = {
      stdout: (t) => void out.push(t),
      stderr: (t) => void out.push(t),
      isTTY: false,
      env: { T4_API_KEY: KEY, T4FLOW_ALERT_FILE: join(dir, "alerts.jsonl") },
      onInterrupt: () => () => {},
    };
    const code = await main(["run", file, "--url", sim.url, "--junit", junit], io);
    assert.equal(code, 1, out.join(""));
    const alert = JSON.parse(readFileSync(join(dir, "alerts.jsonl"), "utf8").trim());
    assert.equal(alert.on, "failed");
    assert.match(alert.text, /^Canary order failed at far-from-market buy: .*was rejected: /);
    const xml = readFileSync(junit, "utf8");
    assert.match(xml, /tests="9" failures="1" errors="0" skipped="5"/);
    assert.match(xml, /<testcase name="04 far-from-market buy"[^>]*>\n\s*<failure /);
  });
});
