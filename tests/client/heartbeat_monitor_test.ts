import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HeartbeatMonitor } from "../../lib/client/heartbeat_monitor.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";

function harness(intervalMs = 1000, missed = 3) {
  const clock = new FakeClock(0);
  const calls: string[] = [];
  const monitor: HeartbeatMonitor = new HeartbeatMonitor({
    sendHeartbeat: () => {
      calls.push(`beat@${clock.now()}`);
      monitor.noteSent();
    },
    stale: (ms) => calls.push(`stale ${ms}@${clock.now()}`),
    deadPeer: (ms) => calls.push(`dead ${ms}@${clock.now()}`),
  }, { clock, intervalMs, missed });
  return { clock, calls, monitor };
}

describe("HeartbeatMonitor", () => {
  it("sends only when nothing was sent for a whole interval", async () => {
    const { clock, calls, monitor } = harness();
    monitor.start();
    for (let t = 0; t < 5; t++) {
      await clock.advance(400);
      monitor.noteReceived();
      monitor.noteSent();
    }
    assert.deepEqual(calls, []);
    await clock.advance(1000);
    assert.deepEqual(calls, ["beat@3000"]);
    monitor.stop();
    assert.equal(clock.pending, 0);
  });

  it("reports stale when a heartbeat is overdue and the dead peer after `missed`", async () => {
    const { clock, calls, monitor } = harness(1000, 2);
    monitor.start();
    await clock.advance(500);
    monitor.noteReceived();
    await clock.advance(5000);
    assert.deepEqual(calls, ["beat@1000", "beat@2000", "stale 1500@2000", "dead 2000@2500"]);
    assert.equal(monitor.running, false);
    assert.equal(clock.pending, 0);
  });

  it("reports stale again after traffic resumes and stops again", async () => {
    const { clock, calls, monitor } = harness(1000, 3);
    monitor.start();
    await clock.advance(1500);
    monitor.noteReceived();
    await clock.advance(1500);
    assert.deepEqual(calls, [
      "beat@1000",
      "stale 1500@1500",
      "beat@2000",
      "beat@3000",
      "stale 1500@3000",
    ]);
    monitor.stop();
    await clock.advance(10_000);
    assert.equal(calls.length, 5);
  });

  it("does not report stale while the peer heartbeats every interval", async () => {
    const { clock, calls, monitor } = harness(1000, 3);
    monitor.start();
    for (let i = 0; i < 10; i++) {
      await clock.advance(1000); // the peer's heartbeat lands exactly on the interval
      monitor.noteReceived();
    }
    assert.ok(!calls.some((c) => c.startsWith("stale")), calls.join(", "));
    monitor.stop();
  });

  it("restarts cleanly", async () => {
    const { clock, calls, monitor } = harness();
    monitor.start();
    await clock.advance(700);
    monitor.start();
    assert.equal(clock.pending, 1);
    await clock.advance(999);
    assert.deepEqual(calls, []);
    monitor.stop();
  });

  it("rejects invalid timing", () => {
    const port = { sendHeartbeat() {}, stale() {}, deadPeer() {} };
    const clock = new FakeClock();
    assert.throws(
      () => new HeartbeatMonitor(port, { clock, intervalMs: 0 }),
      /'heartbeatMs' must be > 0/,
    );
    assert.throws(() => new HeartbeatMonitor(port, { clock, missed: 0 }), /'missedHeartbeats'/);
  });
});
