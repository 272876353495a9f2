import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { describe, it } from "node:test";
import { chunkedClock, MAX_TIMER_DELAY_MS, sleep } from "../../lib/runtime/clock.ts";
import { OverflowingClock } from "../_support/overflow_clock.ts";

const HOUR = 3_600_000;

describe("timers of any length", () => {
  it("sleep waits 1000 h on timers that overflow past 2^31-1 ms, never returning early", async () => {
    const clock = new OverflowingClock(0);
    let done = false;
    const waiting = sleep(clock, 1000 * HOUR).then(() => (done = true));
    await clock.fake.advance(10_000);
    assert.equal(done, false, "a 1000 h sleep ended after 10 s");
    await clock.fake.advance(1000 * HOUR - 10_001);
    assert.equal(done, false, "a 1000 h sleep ended 1 ms early");
    await clock.fake.advance(1);
    await waiting;
    assert.equal(done, true);
    assert.equal(clock.overflows, 0, "a single timer was asked for more than 2^31-1 ms");
  });

  it("a chunked clock fires a 1000 h timer at 1000 h and can cancel it between chunks", async () => {
    const base = new OverflowingClock(0);
    const clock = chunkedClock(base);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(base.now()), 1000 * HOUR);
    const cancelled = clock.setTimeout(() => fired.push(-1), 1000 * HOUR);
    await base.fake.advance(MAX_TIMER_DELAY_MS + 5);
    clock.clearTimeout(cancelled);
    assert.deepEqual(fired, []);
    await base.fake.advance(1000 * HOUR);
    assert.deepEqual(fired, [1000 * HOUR]);
    assert.equal(base.overflows, 0);
  });

  it("on the real clock a 1000 h timer neither fires at once nor warns (real timers)", async () => {
    const bun = /bun[^/\\]*$/i.test(process.execPath);
    const script = "tests/_support/long_timer_script.ts";
    const child = spawn(process.execPath, bun ? [script] : ["run", "-A", "--quiet", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Uint8Array) => (stdout += new TextDecoder().decode(chunk)));
    child.stderr.on("data", (chunk: Uint8Array) => (stderr += new TextDecoder().decode(chunk)));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(stdout, "short timer fired\n", stderr);
    assert.doesNotMatch(stderr, /TimeoutOverflowWarning/);
    assert.equal(code, 0);
  });
});
