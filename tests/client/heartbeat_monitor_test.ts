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
    monitor.noteReceived(); // seen by the receive check at 750 (every quarter interval)
    await clock.advance(5000);
    assert.deepEqual(calls, ["beat@1000", "beat@2000", "stale 1500@2250", "dead 2000@2750"]);
    assert.equal(monitor.running, false);
    assert.equal(clock.pending, 0);
  });

  it("reports stale again after traffic resumes and stops again", async () => {
    const { clock, calls, monitor } = harness(1000, 3);
    monitor.start();
    await clock.advance(1500);
    monitor.noteReceived(); // seen by the receive check at 1750
    await clock.advance(1750);
    assert.deepEqual(calls, [
      "beat@1000",
      "stale 1500@1500",
      "beat@2000",
      "beat@3000",
      "stale 1500@3250",
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

  it("reports stale and the dead peer after the silence, at most a quarter interval late", async () => {
    for (const offset of [0, 1, 100, 249, 250, 251, 499, 500, 999]) {
      const { clock, calls, monitor } = harness(1000, 3);
      monitor.start();
      const last = 1000 + offset;
      await clock.advance(last);
      monitor.noteReceived();
      calls.length = 0;
      await clock.advance(4000);
      const at = (prefix: string) => {
        const call = calls.find((c) => c.startsWith(prefix));
        assert.ok(call, `${prefix} after a last frame at ${last}: ${calls.join(", ")}`);
        return Number(call.slice(call.indexOf("@") + 1));
      };
      const stale = at("stale 1500@");
      const dead = at("dead 3000@");
      assert.ok(stale > last + 1500 && stale <= last + 1750, `stale at ${stale}, last ${last}`);
      assert.ok(dead > last + 3000 && dead <= last + 3250, `dead at ${dead}, last ${last}`);
      assert.equal(monitor.running, false);
    }
  });

  it("reads no clock per received frame", async () => {
    const { clock, calls, monitor } = harness(1000, 3);
    let reads = 0;
    const now = clock.now.bind(clock);
    clock.now = () => (reads++, now());
    monitor.start();
    await clock.advance(600);
    const before = reads;
    for (let i = 0; i < 10_000; i++) monitor.noteReceived();
    assert.equal(reads, before);
    await clock.advance(1500);
    // Seen by the receive check at 750: not stale at 1500 but from 2250.
    assert.deepEqual(calls, ["beat@1000", "beat@2000"]);
    await clock.advance(150);
    assert.deepEqual(calls, ["beat@1000", "beat@2000", "stale 1500@2250"]);
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
