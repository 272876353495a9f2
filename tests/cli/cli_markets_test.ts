import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../lib/cli/main.ts";
import type { CliIo } from "../../lib/cli/cli_io.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { DEMO_LOGIN, type Simulator, startSimulator } from "../../lib/sim/mod.ts";
import { runCli } from "../_support/cli.ts";

const KEY = "sk-markets-SECRET-1618";

async function markets(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    isTTY: false,
    env,
    onInterrupt: () => () => {},
  };
  const code = await main(["markets", ...args], io);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const start = (clock?: FakeClock) =>
  startSimulator({
    seed: 2,
    users: [{ apiKey: KEY, userId: "ops" }, { ...DEMO_LOGIN, userId: "demo" }],
    ...(clock && { clock }),
  });

const api = (sim: Simulator) => ["--api", sim.restUrl];

describe("t4flow markets", () => {
  it("front prints the front market as a table, or JSON with --json", async () => {
    await using sim = await start(new FakeClock(Date.parse("2026-12-19T12:00:00Z")));
    const table = await markets(["front", "CME_Eq", "ES", ...api(sim)], { T4_API_KEY: KEY });
    assert.equal(table.code, 0, table.stderr);
    assert.equal(
      table.stdout,
      "MARKET            EXCHANGE  CONTRACT  EXPIRY      DESCRIPTION\n" +
        "XCME_Eq ES (H27)  CME_Eq    ES        2027-03-19  E-mini S&P 500 Mar27\n",
    );
    const json = await markets(["front", "CME_Eq", "ES", ...api(sim), "--json"], {
      T4_API_KEY: KEY,
    });
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout), {
      marketId: "XCME_Eq ES (H27)",
      exchangeId: "CME_Eq",
      contractId: "ES",
      description: "E-mini S&P 500 Mar27",
      expiryDate: "2027-03-19T00:00:00",
    });
    assert.ok(!table.stdout.includes(KEY) && !table.stderr.includes(KEY));
  });

  it("search and list print contracts and markets", async () => {
    await using sim = await start(new FakeClock(Date.parse("2026-12-01T12:00:00Z")));
    const env = { T4_API_KEY: KEY };
    const search = await markets(["search", "nasdaq", ...api(sim)], env);
    assert.equal(search.code, 0, search.stderr);
    assert.equal(
      search.stdout,
      "EXCHANGE  CONTRACT  DESCRIPTION\nCME_Eq    NQ        E-mini Nasdaq-100\n",
    );
    const contracts = await markets(["list", "CME_En", ...api(sim)], env);
    assert.equal(
      contracts.stdout,
      "EXCHANGE  CONTRACT  DESCRIPTION\nCME_En    CL        Crude Oil\nCME_En    NG        Natural Gas\n",
    );
    const es = await markets(["list", "CME_Eq", "ES", ...api(sim)], env);
    assert.equal(
      es.stdout,
      "MARKET            EXPIRY      DESCRIPTION\n" +
        "XCME_Eq ES (Z26)  2026-12-18  E-mini S&P 500 Dec26\n" +
        "XCME_Eq ES (H27)  2027-03-19  E-mini S&P 500 Mar27\n" +
        "XCME_Eq ES (M27)  2027-06-18  E-mini S&P 500 Jun27\n",
    );
    const none = await markets(["search", "wheat", ...api(sim)], env);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, "(none)\n");
  });

  it("logs in with password credentials from --env-file and uses the session token", async () => {
    await using sim = await start();
    const file = join(mkdtempSync(join(tmpdir(), "t4flow-markets-")), "t4.env");
    writeFileSync(
      file,
      `T4_FIRM=${DEMO_LOGIN.firm}\nT4_USERNAME=${DEMO_LOGIN.username}\nT4_PASSWORD=${DEMO_LOGIN.password}\nT4_APP_NAME=${DEMO_LOGIN.appName}\nT4_APP_LICENSE=${DEMO_LOGIN.appLicense}\n`,
    );
    const result = await markets(
      ["front", "CME_En", "CL", "--url", sim.url, ...api(sim), "--env-file", file, "--json"],
      {},
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(JSON.parse(result.stdout).marketId, /^XCME_En CL \(/);
    assert.equal(sim.stats.logins, 1);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(DEMO_LOGIN.password));
  });

  it("exits 1 for an unknown contract, 3 when refused, 2 for invalid usage", async () => {
    await using sim = await start();
    const unknown = await markets(["front", "CME_Eq", "XX", ...api(sim)], { T4_API_KEY: KEY });
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stderr,
      "t4flow: Cannot resolve the front market of CME_Eq XX: the REST API knows no market for this exchange and contract\n",
    );
    const refused = await markets(["search", "ES", ...api(sim)], { T4_API_KEY: "wrong-key" });
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /HTTP 401/);
    assert.ok(!refused.stderr.includes("wrong-key"));
    const wrongPassword = await markets(["search", "ES", "--url", sim.url, ...api(sim)], {
      T4_FIRM: DEMO_LOGIN.firm,
      T4_USERNAME: DEMO_LOGIN.username,
      T4_PASSWORD: "not-the-password",
      T4_APP_NAME: DEMO_LOGIN.appName,
      T4_APP_LICENSE: DEMO_LOGIN.appLicense,
    });
    assert.equal(wrongPassword.code, 3, wrongPassword.stderr);
    assert.ok(!wrongPassword.stderr.includes("not-the-password"));

    for (
      const [args, env, message] of [
        [
          ["front", "CME_Eq"],
          { T4_API_KEY: KEY },
          /expected 't4flow markets front EXCHANGE CONTRACT'/,
        ],
        [["fetch"], { T4_API_KEY: KEY }, /unknown action 'fetch'/],
        [["search", "ES", ...api(sim)], {}, /missing credentials, expected T4_API_KEY/],
        [["search", "ES", ...api(sim)], { T4_FIRM: "F" }, /missing T4_USERNAME, T4_PASSWORD/],
        [["search", "ES", "--url", sim.url], { T4_API_KEY: KEY }, /--url needs --api/],
        [
          ["search", "ES", "--api", "http://api.example"],
          { T4_API_KEY: KEY },
          /only allowed to loopback/,
        ],
      ] as const
    ) {
      const result = await markets([...args], env);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  it("runs as a real process", { timeout: 60_000 }, async () => {
    await using sim = await start();
    const result = await runCli(
      ["markets", "list", "CMX_Mt", "--api", sim.restUrl],
      { T4_API_KEY: KEY },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "EXCHANGE  CONTRACT  DESCRIPTION\nCMX_Mt    GC        Gold\n");
  });
});
