/**
 * Two `t4flow run` processes on one API key: the second login takes the session over and the
 * first run ends (exit 3) instead of logging in again and knocking the second one off in turn.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startSimulator } from "../../lib/sim/mod.ts";
import { runCli } from "../_support/cli.ts";

const KEY = "sk-conflict-SECRET-1618";

function until(what: string, ok: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const poll = () => {
      if (ok()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`No ${what} in time`));
      setTimeout(poll, 25);
    };
    poll();
  });
}

describe("t4flow run with two processes on one API key", () => {
  it("ends the run whose session was taken over (exit 3) and lets the other finish (exit 0)", async () => {
    await using sim = await startSimulator({
      seed: 4,
      users: [{ apiKey: KEY, userId: "desk", accounts: ["DESK-1"] }],
    });
    const dir = mkdtempSync(join(tmpdir(), "t4flow-conflict-"));
    const workflow = (name: string, hold: string) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        `version: 1
name: ${name}
connection:
  url: ${sim.url}
  auth: { api_key: "\${T4_API_KEY}" }
  maintenance: false
steps:
  - login
  - hold: ${hold}
`,
      );
      return file;
    };
    const first = runCli(["run", workflow("first", "60s")], { T4_API_KEY: KEY }, {
      timeoutMs: 120_000,
    });
    await until("first login", () => sim.stats.logins >= 1);
    const second = await runCli(["run", workflow("second", "2s")], { T4_API_KEY: KEY }, {
      timeoutMs: 120_000,
    });
    const a = await first;
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.equal(a.code, 3, a.stdout + a.stderr);
    assert.match(a.stdout + a.stderr, /LOGGED_IN_ELSEWHERE/);
    assert.equal(sim.stats.logins, 2, "nobody logged in again to take the session back");
    assert.ok(!(a.stdout + a.stderr + second.stdout + second.stderr).includes(KEY));
  });
});
