import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { compileCelCondition, evaluateCelCondition } from "../../lib/workflow/cel_expression.ts";
import { CEL_COST_LIMIT } from "../../lib/workflow/cel_cost.ts";
import { MarketDepthSchema } from "../../lib/protocol/gen/t4/v1/market/market_pb.ts";

const TEN = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]";

/** `depth` comprehensions over `list`, nested: list.all(a0, list.all(a1, ... true)). */
function nested(list: string, depth: number): string {
  let body = "true";
  for (let i = depth - 1; i >= 0; i--) body = `${list}.all(a${i}, ${body})`;
  return body;
}

describe("CEL cost limit", () => {
  it("refuses 10^8 iterations over literal lists at validation", () => {
    const result = compileCelCondition(nested(TEN, 8), { payloadCase: "market_depth" });
    assert.equal(result.ok, false);
    const diagnostic = !result.ok ? result.diagnostics[0] : undefined;
    assert.equal(diagnostic?.code, "cost_limit");
    assert.match(diagnostic?.message ?? "", /iterate about 1111111\d\d times/);
  });

  it("stops an evaluation over message lists at the limit, quickly and with a clear error", () => {
    // 100 bids, three levels deep: 10^6 iterations, ten times the limit.
    const bids = Array.from(
      { length: 100 },
      (_, i) => ({ price: { value: `${5000 + i}` }, volume: 1 }),
    );
    const msg = create(MarketDepthSchema, { marketId: "ESZ6", bids });
    const compiled = compileCelCondition(nested("msg.bids", 3), { payloadCase: "market_depth" });
    assert.ok(compiled.ok);
    const result = evaluateCelCondition(compiled.expression, { msg });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.kind, "cost_limit");
    assert.match(!result.ok ? result.error.message : "", new RegExp(`more than ${CEL_COST_LIMIT}`));
  });

  it("leaves ordinary comprehensions alone", () => {
    const bids = Array.from(
      { length: 50 },
      (_, i) => ({ price: { value: `${5000 + i}` }, volume: i }),
    );
    const msg = create(MarketDepthSchema, { marketId: "ESZ6", bids });
    const compiled = compileCelCondition(
      "msg.bids.all(a, msg.bids.exists(b, b.volume >= a.volume)) && msg.bids.map(b, b.volume).size() == 50",
      { payloadCase: "market_depth" },
    );
    assert.ok(compiled.ok);
    assert.deepEqual(evaluateCelCondition(compiled.expression, { msg }), { ok: true, value: true });
  });
});
