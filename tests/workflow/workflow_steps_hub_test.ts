import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type Message } from "@bufbuild/protobuf";
import { AccountUpdateSchema, MarketDepthSchema } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { compileCelCondition } from "../../lib/workflow/cel_expression.ts";
import { MessageHub, type WatchDefinition } from "../../lib/workflow/message_hub.ts";

function hub(clock: FakeClock, vars: Record<string, unknown> = {}) {
  const handlers = new Map<string, (value: Message) => void>();
  const violations: string[] = [];
  const h = new MessageHub(clock, () => vars, () => undefined, (watch, detail) => {
    violations.push(`${watch.name}: ${detail}`);
  });
  h.attach({
    on: ((c: string, handler: (value: Message) => void) => {
      handlers.set(c, handler);
      return () => handlers.delete(c);
    }) as never,
  });
  const send = (caseName: string, value: Message) => handlers.get(caseName)!(value);
  return { hub: h, send, violations, handlers };
}

function condition(source: string, payloadCase: string) {
  const result = compileCelCondition(source, { payloadCase });
  assert.ok(result.ok);
  return result.expression;
}

const depth = (marketId: string) => create(MarketDepthSchema, { marketId });

describe("MessageHub watches (FakeClock)", () => {
  const stale: Omit<WatchDefinition, "where"> = {
    name: "es_stale",
    caseName: "marketDepth",
    protoName: "market_depth",
    condition: undefined,
    withinMs: 10_000,
    during: "run",
    fail: false,
  };

  it("stays quiet while matching messages arrive within the window, fires once when they stop", async () => {
    const clock = new FakeClock(0);
    const { hub: h, send, violations } = hub(clock, { market: "ES" });
    h.watch({ ...stale, where: condition("msg.market_id == vars.market", "market_depth") });
    for (const at of [3_000, 6_000, 9_000, 15_000, 24_000]) {
      await clock.advance(at - clock.now());
      send("marketDepth", depth("ES"));
    }
    // Other markets do not count.
    await clock.advance(5_000);
    send("marketDepth", depth("NQ"));
    assert.deepEqual(violations, []);
    await clock.advance(5_000);
    assert.deepEqual(violations, [
      `es_stale: no market_depth matching msg.market_id == vars.market for 10 s`,
    ]);
    await clock.advance(30_000);
    assert.equal(violations.length, 1, "a violation is raised once until data resumes");
    send("marketDepth", depth("ES"));
    await clock.advance(10_000);
    assert.equal(violations.length, 2, "after data resumed, a new silence is a new violation");
    assert.deepEqual(h.reports(), [{
      name: "es_stale",
      violations: 2,
      checked: 6,
      last_violation: "no market_depth matching msg.market_id == vars.market for 10 s",
    }]);
  });

  it("ends 'during: hold' watches at the end of a hold, 'run' watches at close", async () => {
    const clock = new FakeClock(0);
    const { hub: h, violations } = hub(clock);
    h.watch({ ...stale, name: "hold_only", where: undefined, during: "hold" });
    h.watch({ ...stale, name: "whole_run", where: undefined });
    h.end("hold");
    await clock.advance(10_000);
    assert.deepEqual(violations, ["whole_run: no market_depth for 10 s"]);
    h.close();
    assert.equal(clock.pending, 0);
  });

  it("judges a condition per message and reports evaluation errors as violations", () => {
    const clock = new FakeClock(0);
    const { hub: h, send, violations } = hub(clock);
    h.watch({
      ...stale,
      name: "margin",
      caseName: "accountUpdate",
      protoName: "account_update",
      where: undefined,
      withinMs: undefined,
      condition: condition("msg.margin / msg.balance < 0.8", "account_update"),
    });
    send("accountUpdate", create(AccountUpdateSchema, { balance: 100, margin: 10 }));
    send("accountUpdate", create(AccountUpdateSchema, { balance: 100, margin: 90 }));
    send("accountUpdate", create(AccountUpdateSchema, { balance: 100, margin: 95 }));
    assert.deepEqual(violations, ["margin: msg.margin / msg.balance < 0.8 is false"]);
    send("accountUpdate", create(AccountUpdateSchema, { balance: 100, margin: 10 }));
    send("accountUpdate", create(AccountUpdateSchema, { balance: 0, margin: 10 }));
    // 10 / 0 is +Infinity for doubles: not < 0.8.
    assert.equal(violations.length, 2);
  });
});

describe("MessageHub waits (FakeClock)", () => {
  it("sees buffered messages after sinceSeq, waits for new ones, and times out", async () => {
    const clock = new FakeClock(0);
    const { hub: h, send } = hub(clock);
    const never = new Promise<never>(() => {});
    send("marketDepth", depth("OLD"));
    const since = h.seq;
    send("marketDepth", depth("ES"));
    const found = await h.wait("marketDepth", since, () => true, 1_000, never);
    assert.equal((found as unknown as { marketId: string }).marketId, "ES");

    const later = h.wait(
      "marketDepth",
      h.seq,
      (v) => (v as unknown as { marketId: string }).marketId === "NQ",
      1_000,
      never,
    );
    send("marketDepth", depth("ES"));
    send("marketDepth", depth("NQ"));
    assert.equal(((await later) as unknown as { marketId: string }).marketId, "NQ");

    const timedOut = h.wait("marketDepth", h.seq, () => true, 1_000, never);
    await clock.advance(1_000);
    assert.equal(await timedOut, undefined);
  });

  it("rejects with the error the matcher returns, and when aborted", async () => {
    const clock = new FakeClock(0);
    const { hub: h, send } = hub(clock);
    const never = new Promise<never>(() => {});
    const failing = h.wait("marketDepth", 0, () => new Error("condition error"), 1_000, never);
    send("marketDepth", depth("ES"));
    await assert.rejects(failing, /condition error/);

    let abort: (e: Error) => void = () => {};
    const aborted = h.wait(
      "marketDepth",
      h.seq,
      () => false,
      60_000,
      new Promise<never>((_, reject) => (abort = reject)),
    );
    abort(new Error("session ended"));
    await assert.rejects(aborted, /session ended/);
    assert.equal(clock.pending, 0);
  });
});
