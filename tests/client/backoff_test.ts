import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Backoff,
  DEFAULT_RECONNECT_POLICY,
  resolveReconnectPolicy,
} from "../../lib/client/backoff.ts";

describe("Backoff", () => {
  it("has the documented defaults", () => {
    assert.deepEqual({ ...DEFAULT_RECONNECT_POLICY }, {
      initialDelayMs: 500,
      maxDelayMs: 30_000,
      multiplier: 2,
      maxAttempts: Infinity,
      resetAfterMs: 60_000,
    });
  });

  it("draws each delay uniformly below a doubling, capped bound (full jitter)", () => {
    const max = new Backoff({}, () => 0.999999);
    const bounds = Array.from({ length: 10 }, () => max.next());
    assert.deepEqual(bounds, [499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999, 29999]);
    const min = new Backoff({}, () => 0);
    assert.deepEqual([min.next(), min.next()], [0, 0]);
  });

  it("covers the whole jitter range", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const backoff = new Backoff({ initialDelayMs: 1000, maxDelayMs: 1000 }, random);
    const delays = Array.from({ length: 2000 }, () => backoff.next()!);
    assert.ok(delays.every((d) => d >= 0 && d < 1000));
    assert.ok(Math.min(...delays) < 50 && Math.max(...delays) > 950);
  });

  it("stops after maxAttempts and resets", () => {
    const backoff = new Backoff({ maxAttempts: 2 }, () => 0.5);
    assert.equal(backoff.next(), 250);
    assert.equal(backoff.next(), 500);
    assert.equal(backoff.next(), undefined);
    assert.equal(backoff.attempt, 2);
    backoff.reset();
    assert.equal(backoff.next(), 250);
  });

  it("rejects invalid policies with the field name", () => {
    assert.throws(
      () => resolveReconnectPolicy({ initialDelayMs: -1 }),
      /'initialDelayMs' must be a number >= 0/,
    );
    assert.throws(() => resolveReconnectPolicy({ maxDelayMs: Number.NaN }), /'maxDelayMs'/);
    assert.throws(() => new Backoff({ multiplier: 0.5 }), /'multiplier' must be >= 1/);
  });
});
