import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { processGone } from "../_support/process_gone.ts";
import { startSimulator } from "../../lib/sim/mod.ts";
import { countConnections, runCli } from "../_support/cli.ts";

const SLOW = { timeout: 60_000 };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "t4flow-ops-"));
}

describe("unbounded workflow input", () => {
  it("validate refuses a CEL expression of 10^8 comprehension steps: exit 2", SLOW, async () => {
    const ten = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]";
    let where = "true";
    for (let i = 7; i >= 0; i--) where = `${ten}.all(a${i}, ${where})`;
    const file = join(tempDir(), "cel.yaml");
    writeFileSync(
      file,
      `version: 1
name: cel
connection: { env: sim, auth: { api_key: k } }
steps:
  - login
  - subscribe_market: { exchange: CME_Eq, contract: ES, market: XCME_Eq ES (Z26) }
  - expect:
      message: market_depth
      where: "${where}"
      timeout: 2s
`,
    );
    const run = await runCli(["validate", file], {}, { timeoutMs: 30_000 });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /more than the limit of 50000/);
  });

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

const KEY = "sk-ops-SECRET-5150";

/** A workflow that logs in at `url` and sends `failed` alerts to `sinks` (YAML list items). */
function checkWorkflow(dir: string, url: string, sinks: string[] = ["stderr"]): string {
  const file = join(dir, "check.yaml");
  writeFileSync(
    file,
    `version: 1
name: ops-check
connection:
  url: ${url}
  auth:
    api_key: \${T4_API_KEY}
  maintenance: false
  reconnect: false
steps:
  - login
alerts:
  - on: failed
    to:
${sinks.map((sink) => `      - ${sink}`).join("\n")}
`,
  );
  return file;
}

describe("outputs are checked before connecting", () => {
  for (
    const [label, place] of [
      ["--report", (bad: string) => ({ args: ["--report", bad] })],
      ["--junit", (bad: string) => ({ args: ["--junit", bad] })],
      ["--state", (bad: string) => ({ args: ["--state", bad] })],
      ["an alert file: sink", (bad: string) => ({ sink: `file: ${bad}` })],
    ] as const
  ) {
    it(
      `${label} in an unwritable directory: exit 2 naming the path, zero connections`,
      SLOW,
      async () => {
        // Against the simulator, with a key it accepts: a connection would log in.
        await using sim = await startSimulator({ seed: 9, users: [{ apiKey: KEY }] });
        const dir = tempDir();
        writeFileSync(join(dir, "plain-file"), "");
        const bad = join(dir, "plain-file", "sub", "out.json");
        const { args = [], sink } = place(bad) as { args?: string[]; sink?: string };
        const file = checkWorkflow(dir, sim.url, sink ? [sink] : undefined);
        const run = await runCli(["run", file, ...args], { T4_API_KEY: KEY });
        assert.equal(run.code, 2, run.stderr);
        assert.ok(run.stderr.includes(bad), run.stderr);
        assert.match(run.stderr, /nothing was sent/);
        assert.equal(sim.stats.connections, 0, "the run connected before checking its outputs");
      },
    );

    it(`${label} that is a FIFO is refused at once (exit 2), never blocking`, SLOW, async () => {
      const server = await countConnections();
      try {
        const dir = tempDir();
        const fifo = join(dir, "out.fifo");
        execFileSync("mkfifo", [fifo]);
        const { args = [], sink } = place(fifo) as { args?: string[]; sink?: string };
        const file = checkWorkflow(
          dir,
          `ws://127.0.0.1:${server.port}/v1`,
          sink ? [sink] : undefined,
        );
        const run = await runCli(["run", file, ...args], { T4_API_KEY: KEY }, {
          timeoutMs: 30_000,
        });
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, /named pipe \(FIFO\), not a regular file/);
        assert.equal(server.count, 0);
      } finally {
        server.close();
      }
    });
  }

  it("creates the report, the JUnit file and alert files with mode 0600", SLOW, async () => {
    const server = await countConnections();
    try {
      const dir = tempDir();
      const alerts = join(dir, "alerts.jsonl");
      const file = checkWorkflow(dir, `ws://127.0.0.1:${server.port}/v1`, [`file: ${alerts}`]);
      const report = join(dir, "out", "report.json");
      const junit = join(dir, "out", "junit.xml");
      const run = await runCli(["run", file, "--report", report, "--junit", junit], {
        T4_API_KEY: KEY,
      });
      assert.equal(run.code, 3, run.stderr);
      for (const path of [report, junit, alerts]) {
        assert.equal((statSync(path).mode & 0o777).toString(8), "600", path);
      }
    } finally {
      server.close();
    }
  });
});

describe("closed standard output", () => {
  it(
    "run canary-order.yaml --json | head -3: clean-up runs, the report is written, exit 0",
    SLOW,
    async () => {
      await using sim = await startSimulator({ seed: 7, users: [{ apiKey: KEY }] });
      const dir = tempDir();
      const workflow = readFileSync("examples/canary-order.yaml", "utf8")
        .replace("file: alerts.jsonl", `file: ${join(dir, "alerts.jsonl")}`);
      const file = join(dir, "canary-order.yaml");
      writeFileSync(file, workflow);
      const report = join(dir, "report.json");
      const run = await runCli(
        ["run", file, "--url", sim.url, "--json", "--report", report],
        { T4_API_KEY: KEY },
        { closeStdoutWhen: (out) => out.split("\n").length > 3 },
      );
      assert.doesNotMatch(run.stderr, /EPIPE|Uncaught/);
      assert.equal(run.code, 0, run.stderr);
      const written = JSON.parse(readFileSync(report, "utf8"));
      assert.equal(written.status, "succeeded");
      const pulled = written.steps.find((s: { name: string }) => s.name === "canary is finished");
      assert.equal(pulled?.status, "succeeded");
      assert.equal(existsSync(join(dir, "alerts.jsonl")), false, "a failed alert was sent");
    },
  );
});

describe("a second signal", () => {
  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    it(
      `during a slow alert delivery exits at once with ${code} (${signal} twice)`,
      SLOW,
      async () => {
        const server = await countConnections();
        try {
          const dir = tempDir();
          const mark = join(dir, "delivering");
          const file = checkWorkflow(dir, `ws://127.0.0.1:${server.port}/v1`, [
            `command: ["sh", "-c", "echo $$ > ${mark}.pid; touch ${mark}; exec sleep 30"]`,
          ]);
          let kill: ((signal: NodeJS.Signals) => void) | undefined;
          const poll = setInterval(() => {
            if (kill && existsSync(mark)) {
              clearInterval(poll);
              kill(signal);
              setTimeout(() => kill?.(signal), 300);
            }
          }, 50);
          const run = await runCli(["run", file], { T4_API_KEY: KEY }, {
            spawned: (k) => (kill = k),
          });
          clearInterval(poll);
          assert.match(run.stderr, new RegExp(`${signal} again: exiting at once \\(${code}\\)`));
          // Deno's child_process may report an exit with 128 + n right after signal n as killed by it.
          assert.ok(run.code === code || run.signal === signal, `${run.code} ${run.signal}`);
          const command = Number(readFileSync(`${mark}.pid`, "utf8"));
          assert.equal(await processGone(command), true, "the alert command outlived the CLI");
        } finally {
          server.close();
        }
      },
    );
  }
});

describe("timers over 24.8 days", () => {
  it(
    "heartbeat: 1000h and login_timeout: 1000h log in and hold without overflow warnings",
    SLOW,
    async () => {
      await using sim = await startSimulator({ seed: 8, users: [{ apiKey: KEY }] });
      const file = join(tempDir(), "long.yaml");
      writeFileSync(
        file,
        `version: 1
name: long-timers
connection:
  url: ${sim.url}
  auth:
    api_key: \${T4_API_KEY}
  heartbeat: 1000h
  login_timeout: 1000h
  maintenance: false
steps:
  - login
  - hold: 1s
`,
      );
      const run = await runCli(["run", file], { T4_API_KEY: KEY });
      assert.doesNotMatch(run.stderr, /TimeoutOverflowWarning/);
      assert.equal(run.code, 0, run.stderr);
    },
  );
});
