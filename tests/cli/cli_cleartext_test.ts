/**
 * `t4flow validate` and `t4flow run` refuse a cleartext `ws://` URL to anything but loopback
 * (literal 127.0.0.0/8, ::1, localhost): names that merely look like loopback included.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli } from "../_support/cli.ts";

function workflow(url: string, extra = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "t4flow-cleartext-"));
  const file = join(dir, "w.yaml");
  writeFileSync(
    file,
    `version: 1
name: w
connection:
  url: ${url}
  auth: { api_key: "\${T4_API_KEY}" }
${extra}steps:
  - login
`,
  );
  return file;
}

describe("t4flow and cleartext ws://", () => {
  for (const url of ["ws://127.attacker.example/v1", "ws://127.0.0.1.nip.io/v1"]) {
    it(`validate refuses ${url} with exit 2, naming file, line, column and key`, async () => {
      const file = workflow(url);
      const result = await runCli(["validate", file], { T4_API_KEY: "sk-cleartext" });
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(
        result.stdout + result.stderr,
        /w\.yaml:4:8: error: connection\.url: cleartext ws:\/\/ to 127\.[a-z0-9.]+ would send the credentials unencrypted/,
      );
    });
  }

  it("run refuses it too, and validate accepts loopback and allow_insecure", async () => {
    const run = await runCli(["run", workflow("ws://127.attacker.example/v1")], {
      T4_API_KEY: "sk-cleartext",
    });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    for (
      const file of [
        workflow("ws://127.0.0.1:9/v1"),
        workflow("ws://t4.example/v1", "  allow_insecure: true\n"),
      ]
    ) {
      const ok = await runCli(["validate", file], { T4_API_KEY: "sk-cleartext" });
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    }
  });
});
