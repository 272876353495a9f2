import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type CelCompileOptions,
  type CelEvaluationInput,
  compileCelCondition,
  compileCelExpression,
  type CompiledCelExpression,
  evaluateCel,
  evaluateCelCondition,
} from "../../lib/workflow/cel_expression.ts";
import type { CelDiagnostic } from "../../lib/workflow/cel_diagnostic.ts";
import { celPayloadCases, resolveCelPayloadCase } from "../../lib/workflow/cel_payload.ts";
import { CelDouble, celToPlain, plainToCel } from "../../lib/workflow/cel_value.ts";
import { HeartbeatSchema, ServerMessageSchema } from "../../lib/protocol/gen/t4/v1/service_pb.ts";
import { MarketDepthSchema } from "../../lib/protocol/gen/t4/v1/market/market_pb.ts";
import {
  AccountPositionSchema,
  AccountUpdateSchema,
} from "../../lib/protocol/gen/t4/v1/account/account_pb.ts";
import { OrderUpdateSchema } from "../../lib/protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";
import { LoginResponseSchema } from "../../lib/protocol/gen/t4/v1/auth/auth_pb.ts";
import { MarketMode, OrderStatus } from "../../lib/protocol/gen/t4/v1/common/enums_pb.ts";
import { sessionFromLoginResponse } from "../../lib/client/session.ts";

function compiled(source: string, options: CelCompileOptions = {}): CompiledCelExpression {
  const result = compileCelExpression(source, options);
  if (!result.ok) assert.fail(`expected ${source} to compile: ${result.diagnostics[0]?.message}`);
  return result.expression;
}

function diagnostics(source: string, options: CelCompileOptions = {}): readonly CelDiagnostic[] {
  const result = compileCelExpression(source, options);
  if (result.ok) assert.fail(`expected ${source} not to compile`);
  return result.diagnostics;
}

function only(source: string, options: CelCompileOptions = {}): CelDiagnostic {
  const all = diagnostics(source, options);
  assert.equal(all.length, 1, all.map((d) => d.message).join("\n"));
  return all[0]!;
}

function value(source: string, input: CelEvaluationInput, options: CelCompileOptions = {}) {
  const result = evaluateCel(compiled(source, options), input);
  if (!result.ok) assert.fail(`expected ${source} to evaluate: ${result.error.message}`);
  return result.value;
}

const DEPTH = { payloadCase: "market_depth" } as const;

const book = create(MarketDepthSchema, {
  marketId: "ESZ6",
  mode: MarketMode.OPEN,
  time: timestampFromMs(1_000_000),
  bids: [{ price: { value: "5000.25" }, volume: 3 }, { price: { value: "5000.00" }, volume: 7 }],
  offers: [{ price: { value: "5000.50" }, volume: 2 }],
});

describe("compileCelExpression: valid expressions", () => {
  it("compiles a condition over msg and vars and infers bool", () => {
    const c = compiled("msg.market_id == vars.market && msg.bids.size() > 0", {
      ...DEPTH,
      result: "bool",
    });
    assert.equal(c.resultType, "bool");
    assert.deepEqual([...c.uses].sort(), ["msg", "vars"]);
    assert.equal(c.payloadCase?.caseName, "marketDepth");
  });

  it("accepts the camelCase case name and nested fields, macros, enums and string functions", () => {
    for (
      const source of [
        "msg.bids[0].price.value == '5000.25'",
        "msg.bids.exists(b, b.volume > 2 && b.price.value != '')",
        "msg.bids.map(b, b.volume).size() == 2",
        "has(msg.trade_data) || msg.trade_data.total_traded_volume == 0",
        "msg.mode == MarketMode.MARKET_MODE_OPEN",
        "msg.mode == t4proto.v1.common.MarketMode.MARKET_MODE_OPEN",
        "msg.market_id.lowerAscii().startsWith('es')",
        "now - msg.time < duration('10s')",
        "type(msg.market_id) == string",
        "Price{value: '1'}.value == '1'",
      ]
    ) {
      compiled(source, { payloadCase: "marketDepth", result: "bool" });
    }
  });

  it("infers the result type of a field", () => {
    assert.equal(compiled("msg.market_id", DEPTH).resultType, "string");
    assert.equal(compiled("msg.bids.size()", DEPTH).resultType, "int");
    assert.equal(compiled("msg.balance", { payloadCase: "account_update" }).resultType, "double");
  });

  it("checks session fields and allows vars without msg", () => {
    const c = compiled("session.accounts.exists(a, a.account_id == vars.account)");
    assert.deepEqual([...c.uses].sort(), ["session", "vars"]);
    const d = only("session.user_idd == ''");
    assert.equal(d.code, "unknown_field");
    assert.equal(d.suggestion, "user_id");
  });
});

describe("compileCelExpression: syntax errors", () => {
  it("reports the parser's position", () => {
    const d = only("msg.market_id == 'ESZ6' &&& true", DEPTH);
    assert.equal(d.code, "syntax");
    assert.equal(d.subject, "expression");
    assert.deepEqual([d.offset, d.line, d.column], [24, 1, 25]);
    assert.match(d.message, /^Cannot parse the expression: found & but expecting/);
  });

  it("reports a dangling operator on the right line and column", () => {
    const d = only("msg.bids.size() > 0 &&\n  msg.market_id ==", DEPTH);
    assert.equal(d.code, "syntax");
    assert.deepEqual([d.line, d.column], [2, 17]);
    assert.equal(d.message, "Cannot parse the expression as '==' has no right-hand operand");
  });

  it("reports an unterminated string and an empty expression", () => {
    assert.equal(only("'abc").code, "syntax");
    assert.deepEqual([only("").line, only("").column], [1, 1]);
  });
});

describe("compileCelExpression: unknown payload case", () => {
  it("suggests the snake_case name for a snake_case typo", () => {
    const d = only("msg.market_id == 'x'", { payloadCase: "market_dept" });
    assert.equal(d.code, "unknown_payload_case");
    assert.equal(d.subject, "payload_case");
    assert.equal(d.suggestion, "market_depth");
    assert.deepEqual([d.offset, d.length], [0, 11]);
    assert.equal(
      d.message,
      "Cannot match messages of 'market_dept' as it is not a ServerMessage payload case: did you mean 'market_depth'?",
    );
  });

  it("suggests the camelCase name for a camelCase typo and lists the cases when nothing is close", () => {
    assert.equal(resolveCelPayloadCase("orderUpdat").ok, false);
    const camel = resolveCelPayloadCase("OrderUpdate");
    assert.ok(!camel.ok && camel.diagnostic.suggestion === "orderUpdate");
    const far = resolveCelPayloadCase("quotes");
    assert.ok(!far.ok && far.diagnostic.suggestion === undefined);
    assert.match(far.ok ? "" : far.diagnostic.message, /expected one of heartbeat, login_response/);
  });

  it("does not add field errors on msg when the case is unknown", () => {
    assert.equal(diagnostics("msg.nope == 1", { payloadCase: "nope" }).length, 1);
  });

  it("lists every ServerMessage payload case with its descriptor", () => {
    const names = celPayloadCases().map((c) => c.protoName);
    assert.ok(names.includes("account_update") && names.includes("order_update"));
    const heartbeat = resolveCelPayloadCase("heartbeat");
    assert.ok(heartbeat.ok);
    assert.equal(heartbeat.payloadCase.desc.typeName, "t4proto.v1.service.Heartbeat");
  });
});

describe("compileCelExpression: unknown names", () => {
  it("reports an unknown field with did-you-mean and the list of fields", () => {
    const d = only("msg.bids.size() > 0 &&\n  msg.markt_id == 'ESZ6'", DEPTH);
    assert.equal(d.code, "unknown_field");
    assert.equal(d.suggestion, "market_id");
    assert.deepEqual([d.offset, d.line, d.column, d.length], [29, 2, 7, 8]);
    assert.match(d.message, /^Cannot select 'markt_id' as t4proto\.v1\.market\.MarketDepth has no/);
    assert.match(d.message, /did you mean 'market_id'\? \(fields: market_id, depth_levels, /);
  });

  it("maps a camelCase field name to its proto name", () => {
    const d = only("msg.marketId == 'x'", DEPTH);
    assert.equal(d.suggestion, "market_id");
    assert.match(d.message, /CEL uses proto field names/);
  });

  it("checks nested fields through indexes and comprehension variables", () => {
    const nested = only("msg.bids[0].price.valu == '1'", DEPTH);
    assert.deepEqual([nested.column, nested.suggestion], [19, "value"]);
    assert.match(nested.message, /t4proto\.v1\.common\.Price has no such field/);
    const loop = only("msg.offers.all(o, o.volum > 0)", DEPTH);
    assert.deepEqual([loop.column, loop.suggestion], [21, "volume"]);
  });

  it("reports fields selected on a scalar", () => {
    const d = only("msg.market_id.code == 'x'", DEPTH);
    assert.equal(d.code, "unknown_field");
    assert.match(d.message, /a value of type string has no fields/);
  });

  it("reports unknown variables, functions and enum constants", () => {
    const variable = only("mgs.market_id == ''", DEPTH);
    assert.deepEqual([variable.code, variable.suggestion, variable.column], [
      "unknown_variable",
      "msg",
      1,
    ]);
    const noMsg = only("msg.market_id == ''");
    assert.match(noMsg.message, /'msg' exists only in a step that names the payload case/);
    const fn = only("msg.bids.sise() > 0", DEPTH);
    assert.deepEqual([fn.code, fn.suggestion, fn.column], ["unknown_function", "size", 10]);
    const constant = only("msg.mode == MarketMode.MARKET_MODE_OPNE", DEPTH);
    assert.deepEqual([constant.code, constant.suggestion], ["unknown_name", "MARKET_MODE_OPEN"]);
  });

  it("checks vars names only when the known variables are given", () => {
    compiled("vars.markt == msg.market_id", DEPTH);
    const d = only("vars.markt == msg.market_id", { ...DEPTH, knownVars: ["market"] });
    assert.deepEqual([d.code, d.suggestion, d.column], ["unknown_var", "market", 6]);
    compiled("has(vars.other)", { knownVars: ["market"] });
  });

  it("reports every problem at once, in source order", () => {
    const all = diagnostics("msg.bidz.size() > 0 && msg.ofers.size() > 0", DEPTH);
    assert.deepEqual(all.map((d) => d.suggestion), ["bids", "offers"]);
  });
});

describe("compileCelExpression: types", () => {
  it("refuses mixing double and int in arithmetic", () => {
    const d = only("msg.margin * 100 > 1.0", { payloadCase: "account_update" });
    assert.equal(d.code, "type_mismatch");
    assert.equal(d.column, 12);
    assert.match(d.message, /^Cannot apply '\*' to double and int/);
    compiled("msg.margin * 100.0 > 1", { payloadCase: "account_update" });
  });

  it("refuses comparing an enum with a string and suggests the constant", () => {
    const d = only("msg.status == 'WORKING'", { payloadCase: "order_update" });
    assert.equal(d.code, "type_mismatch");
    assert.equal(d.suggestion, "OrderStatus.ORDER_STATUS_WORKING");
    assert.match(d.message, /the result is always false/);
  });

  it("refuses a condition whose result is not a bool", () => {
    const d = only("msg.market_id", { ...DEPTH, result: "bool" });
    assert.equal(d.code, "not_bool");
    assert.match(d.message, /its result is string, not bool/);
    assert.equal(compileCelCondition("msg.bids.size()", DEPTH).ok, false);
    assert.equal(compileCelCondition("vars.flag", DEPTH).ok, true);
  });
});

describe("evaluateCel", () => {
  const expect = compiled("msg.market_id == vars.market && msg.bids.size() > 0", {
    ...DEPTH,
    result: "bool",
  });

  it("meets and does not meet a condition", () => {
    assert.deepEqual(evaluateCelCondition(expect, { msg: book, vars: { market: "ESZ6" } }), {
      ok: true,
      value: true,
    });
    assert.deepEqual(evaluateCelCondition(expect, { msg: book, vars: { market: "NQZ6" } }), {
      ok: true,
      value: false,
    });
  });

  it("accepts the whole ServerMessage and refuses another payload case", () => {
    const frame = create(ServerMessageSchema, { payload: { case: "marketDepth", value: book } });
    assert.deepEqual(evaluateCelCondition(expect, { msg: frame, vars: { market: "ESZ6" } }), {
      ok: true,
      value: true,
    });
    const heartbeat = create(ServerMessageSchema, {
      payload: { case: "heartbeat", value: { timestamp: 1n } },
    });
    const wrong = evaluateCel(expect, { msg: heartbeat, vars: { market: "ESZ6" } });
    assert.ok(!wrong.ok);
    assert.equal(wrong.error.kind, "wrong_payload");
    assert.match(wrong.error.message, /expects a market_depth message, not heartbeat/);
    const other = evaluateCel(expect, { msg: create(HeartbeatSchema), vars: {} });
    assert.ok(!other.ok && other.error.kind === "wrong_payload");
  });

  it("reports a missing variable with its position and a did-you-mean", () => {
    const result = evaluateCel(expect, { msg: book, vars: { markt: "ESZ6" } });
    assert.ok(!result.ok);
    assert.equal(result.error.name, "CelEvaluationError");
    assert.equal(result.error.kind, "missing_var");
    assert.deepEqual([result.error.line, result.error.column], [1, 23]);
    assert.equal(
      result.error.message,
      "Cannot read vars.market as no step captured 'market': did you mean 'markt'? (at 1:23)",
    );
  });

  it("reports division by zero, a wrong type, an index out of range and overflow", () => {
    const cases: [string, CelEvaluationInput, string][] = [
      ["msg.bids[0].volume / vars.zero > 0", { msg: book, vars: { zero: 0 } }, "division_by_zero"],
      ["msg.bids[0].volume % vars.zero > 0", { msg: book, vars: { zero: 0 } }, "division_by_zero"],
      ["msg.bids[0].volume + vars.s > 0", { msg: book, vars: { s: "x" } }, "no_matching_overload"],
      ["msg.bids[5].volume > 0", { msg: book }, "index_out_of_bounds"],
      ["vars.m['k'] > 0", { vars: { m: {} } }, "no_such_key"],
      ["vars.big + 1 > 0", { vars: { big: 2n ** 63n - 1n } }, "overflow"],
    ];
    for (const [source, input, kind] of cases) {
      const result = evaluateCelCondition(compiled(source, DEPTH), input);
      assert.ok(!result.ok, source);
      assert.equal(result.error.kind, kind, `${source}: ${result.error.message}`);
    }
    const division = evaluateCel(compiled("vars.a / vars.b"), { vars: { a: 1, b: 0 } });
    assert.ok(!division.ok);
    assert.equal(
      division.error.message,
      "Cannot evaluate the expression as it divides by zero: int divide by zero (at 1:8)",
    );
    const overload = evaluateCel(compiled("msg.bids[0].volume + vars.s", DEPTH), {
      msg: book,
      vars: { s: "x" },
    });
    assert.ok(!overload.ok);
    assert.equal(
      overload.error.message,
      "Cannot apply '+' to (int, string) as no such overload exists (at 1:20)",
    );
  });

  it("reports a non-bool condition result and a missing input, and never throws", () => {
    const notBool = evaluateCelCondition(compiled("vars.x"), { vars: { x: "yes" } });
    assert.ok(!notBool.ok && notBool.error.kind === "not_bool");
    assert.match(notBool.ok ? "" : notBool.error.message, /it is string, not bool/);
    const noMsg = evaluateCel(expect, { vars: { market: "ESZ6" } });
    assert.ok(!noMsg.ok && noMsg.error.kind === "missing_input");
    const noSession = evaluateCel(compiled("session.user_id == ''"), {});
    assert.ok(!noSession.ok && noSession.error.kind === "missing_input");
    const forged = { ...expect };
    const notCompiled = evaluateCel(forged, { msg: book });
    assert.ok(!notCompiled.ok && notCompiled.error.kind === "other");
  });

  it("evaluates repeated sizes, nested fields and comprehensions", () => {
    assert.equal(value("msg.bids.size() + msg.offers.size()", { msg: book }, DEPTH), 3n);
    assert.equal(value("msg.bids[0].price.value", { msg: book }, DEPTH), "5000.25");
    assert.equal(value("msg.bids.exists(b, b.volume == 7)", { msg: book }, DEPTH), true);
    assert.equal(value("msg.mode == MarketMode.MARKET_MODE_OPEN", { msg: book }, DEPTH), true);
    assert.equal(value("double(msg.offers[0].price.value) > 5000.0", { msg: book }, DEPTH), true);
  });

  it("compares int fields with vars holding ints, doubles and bigints", () => {
    const source = "msg.bids[0].volume == vars.v";
    for (const v of [3, 3.0, 3n]) {
      assert.equal(value(source, { msg: book, vars: { v } }, DEPTH), true);
    }
    assert.equal(
      value("msg.bids[0].volume > vars.v", { msg: book, vars: { v: 2.5 } }, DEPTH),
      true,
    );
    assert.equal(value("vars.n + 1", { vars: { n: 4 } }), 5n);
    const heartbeat = create(HeartbeatSchema, { timestamp: 9_007_199_254_740_993n });
    const hb = { payloadCase: "heartbeat" };
    assert.equal(
      value(
        "msg.timestamp == vars.ts",
        { msg: heartbeat, vars: { ts: 9_007_199_254_740_993n } },
        hb,
      ),
      true,
    );
    assert.equal(value("msg.timestamp > 1732500000000", { msg: heartbeat }, hb), true);
    assert.equal(
      value(
        "msg.timestamp == int(vars.ts)",
        { msg: heartbeat, vars: { ts: "9007199254740993" } },
        hb,
      ),
      true,
    );
  });

  it("evaluates a staleness condition against the given now", () => {
    const stale = compiled("now - msg.time > duration('10s')", DEPTH);
    assert.deepEqual(evaluateCelCondition(stale, { msg: book, now: 1_000_000 + 11_000 }), {
      ok: true,
      value: true,
    });
    assert.deepEqual(evaluateCelCondition(stale, { msg: book, now: new Date(1_000_000 + 9_000) }), {
      ok: true,
      value: false,
    });
  });

  it("evaluates a ratio of double fields and the session", () => {
    const account = create(AccountUpdateSchema, { accountId: "A1", balance: 1000, margin: 850 });
    const session = sessionFromLoginResponse(
      create(LoginResponseSchema, {
        sessionId: "s-1",
        userId: "u-1",
        roles: ["Trader"],
        accounts: [{ accountId: "A1" }],
      }),
    );
    const ratio = compiled(
      "msg.margin / msg.balance >= 0.8 && session.accounts.exists(a, a.account_id == msg.account_id) && 'Trader' in session.roles",
      { payloadCase: "account_update" },
    );
    assert.deepEqual(evaluateCelCondition(ratio, { msg: account, session }), {
      ok: true,
      value: true,
    });
  });
});

describe("celToPlain and plainToCel", () => {
  it("captures int64 fields as numbers when safe and strings otherwise", () => {
    const update = create(OrderUpdateSchema, {
      uniqueId: "u1",
      tradeDate: 20261125n,
      status: OrderStatus.WORKING,
    });
    const orders = { payloadCase: "order_update" };
    assert.equal(celToPlain(value("msg.trade_date", { msg: update }, orders)), 20261125);
    assert.equal(celToPlain(value("msg.status", { msg: update }, orders)), OrderStatus.WORKING);
    const heartbeat = create(HeartbeatSchema, { timestamp: 2n ** 62n });
    assert.equal(
      celToPlain(value("msg.timestamp", { msg: heartbeat }, { payloadCase: "heartbeat" })),
      "4611686018427387904",
    );
  });

  it("captures messages with proto field names, timestamps as RFC 3339, lists and maps", () => {
    assert.deepEqual(celToPlain(value("msg.bids[0]", { msg: book }, DEPTH)), {
      price: { value: "5000.25" },
      volume: 3,
    });
    assert.equal(celToPlain(value("msg.time", { msg: book }, DEPTH)), "1970-01-01T00:16:40Z");
    assert.deepEqual(celToPlain(value("msg.bids.map(b, b.volume)", { msg: book }, DEPTH)), [3, 7]);
    assert.deepEqual(celToPlain(value("{'a': 1u, 'b': [1.5, b'hi', null]}", {})), {
      a: 1,
      b: [1.5, "aGk=", null],
    });
    assert.equal(celToPlain(value("1.0 / 0.0", {})), "Infinity");
    assert.equal(celToPlain(value("duration('1500ms')", {})), "1.500s");
    assert.equal(celToPlain(value("type(1)", {})), "int");
    const round = JSON.parse(JSON.stringify(celToPlain(value("msg", { msg: book }, DEPTH))));
    assert.equal(round.market_id, "ESZ6");
    assert.equal(round.mode, MarketMode.OPEN);
  });

  it("turns captured plain values into CEL inputs", () => {
    assert.equal(plainToCel(7), 7n);
    assert.equal(plainToCel(0.5), 0.5);
    assert.equal(plainToCel("42"), "42");
    assert.equal(plainToCel(undefined), null);
    assert.deepEqual(plainToCel([1, { a: 2.5 }]), [1n, { a: 2.5 }]);
    assert.equal(plainToCel(book), book);
  });

  it("keeps a captured whole double a double and a captured int an int", () => {
    const es = create(MarketDepthSchema, {
      marketId: "ESZ6",
      bids: [{ price: { value: "6015.00" }, volume: 4 }],
    });
    const account = create(AccountUpdateSchema, {
      accountId: "A1",
      balance: 100000,
      margin: 85000,
    });
    const accounts = { payloadCase: "account_update" };
    // Captures, as a capture step stores them.
    const vars: Record<string, unknown> = {
      bid: celToPlain(value("double(msg.bids[0].price.value)", { msg: es }, DEPTH)),
      balance: celToPlain(value("msg.balance", { msg: account }, accounts)),
      account: celToPlain(value("msg", { msg: account }, accounts)),
      level: celToPlain(value("msg.bids[0]", { msg: es }, DEPTH)),
      n: celToPlain(value("msg.bids.size()", { msg: es }, DEPTH)),
      half: celToPlain(value("0.5 * 3.0", {})),
    };
    assert.ok(vars["bid"] instanceof CelDouble);
    assert.equal(Number(vars["bid"]), 6015);
    assert.equal(value("vars.bid - 100.0", { vars }), 5915);
    assert.equal(value("vars.bid > 1.0", { vars }), true);
    assert.equal(value("vars.bid == 6015", { vars }), true);
    assert.equal(value("vars.balance * 0.8", { vars }), 80000);
    assert.equal(value("vars.account.margin / vars.account.balance < 0.8", { vars }), false);
    assert.equal(value("vars.half + 1.0", { vars }), 2.5);
    // Ints stay ints, also inside a captured message (an int32 field).
    assert.equal(vars["n"], 1);
    assert.equal(value("vars.n + 1", { vars }), 2n);
    assert.equal(value("vars.level.volume + 1", { vars }), 5n);
    const mixed = evaluateCel(compiled("vars.n + 1.0"), { vars });
    assert.ok(!mixed.ok && mixed.error.kind === "no_matching_overload");
    const wrong = evaluateCel(compiled("vars.bid + 1"), { vars });
    assert.ok(!wrong.ok && wrong.error.kind === "no_matching_overload");
    // JSON-safe in reports and plain text in templates.
    assert.equal(
      JSON.stringify({ bid: vars["bid"], account: vars["account"], n: vars["n"] }),
      '{"bid":6015,"account":{"account_id":"A1","balance":100000,"margin":85000},"n":1}',
    );
    assert.equal(`${vars["bid"]}`, "6015");
    assert.equal(String(celToPlain(value("vars.bid - 100.0", { vars }))), "5915");
  });

  it("converts the fields of a captured message by field type, and CEL lists by element", () => {
    const position = create(AccountPositionSchema, { marketId: "ESZ6", buys: 2, rpl: 250 });
    const plain = celToPlain(
      value("msg", { msg: position }, { payloadCase: "account_position" }),
    ) as Record<string, unknown>;
    assert.equal(plain["buys"], 2);
    assert.ok(plain["rpl"] instanceof CelDouble);
    assert.equal(plainToCel(plain["rpl"]), 250);
    assert.deepEqual(celToPlain(value("[1.0, 2.5, 3]", {})), [new CelDouble(1), 2.5, 3]);
    assert.equal(plainToCel(new Number(4)), 4n);
  });
});
