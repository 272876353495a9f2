import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli } from "../_support/cli.ts";

const SLOW = { timeout: 60_000 };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "t4flow-ops-"));
}

describe("unbounded workflow input", () => {
  it("validate /dev/zero ends at once with exit 2", SLOW, async () => {
    const run = await runCli(["validate", "/dev/zero"], {}, { timeoutMs: 30_000 });
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /\/dev\/zero:1:1: error: the file is a device, expected a regular YAML file/,
    );
  });

  it("validate of a 50 MB file ends quickly with exit 2 naming the 1 MiB limit", SLOW, async () => {
    const file = join(tempDir(), "huge.yaml");
    writeFileSync(file, `version: 1\nname: huge\n# ${"x".repeat(50 * 1024 * 1024)}\n`);
    const run = await runCli(["validate", file], {}, { timeoutMs: 30_000 });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /huge\.yaml:1:1: error: the file is larger than 1 MiB/);
  });

  it("validate of a named pipe without a writer does not hang: exit 2", SLOW, async () => {
    const fifo = join(tempDir(), "workflow.yaml");
    execFileSync("mkfifo", [fifo]);
    const run = await runCli(["validate", fifo], {}, { timeoutMs: 30_000 });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /the file is a named pipe \(FIFO\), expected a regular YAML file/);
  });
});
