/**
 * The entry point as a user's shell sees it: exit codes and streams of a real `cli.ts` process
 * for the commands that load no command module (`--help`, `--version`, an unknown command).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "../_support/cli.ts";

const SLOW = { timeout: 120_000 };

describe("cli.ts as a process", () => {
  it("--help prints the usage and exits 0", SLOW, async () => {
    const run = await runCli(["--help"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^t4flow \d+\.\d+\.\d+: run YAML workflows/);
    assert.equal(run.stderr, "");
  });

  it("--help into a closed pipe (| head) exits 0 and says nothing", SLOW, async () => {
    const run = await runCli(["--help"], {}, { closeStdoutAtOnce: true });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
  });

  it("--version prints the version and exits 0", SLOW, async () => {
    const run = await runCli(["--version"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^t4flow \d+\.\d+\.\d+\n$/);
  });

  it("an unknown command exits 2 with the commands on stderr", SLOW, async () => {
    const run = await runCli(["frobnicate"]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /^t4flow: unknown command 'frobnicate', expected run, validate/);
    assert.match(run.stderr, /Run 't4flow --help' for usage\.\n$/);
  });

  it("no arguments prints the usage and exits 2", SLOW, async () => {
    const run = await runCli([]);
    assert.equal(run.code, 2);
    assert.match(run.stdout, /^t4flow /);
  });
});
