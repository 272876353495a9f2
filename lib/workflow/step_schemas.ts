/**
 * Schemas of the step kinds for market data, accounts, expectations, watches, captures, orders,
 * `sleep` and `log` (format version 1). `workflow_schema.ts` merges them into
 * `STEP_ARGUMENT_SCHEMAS`; their runners are in `step_runners.ts`.
 *
 * CEL expressions (`where`, `condition`, `capture`, `expr`, `{{ ... }}` in `log`) are compiled
 * by each kind's `check` hook, so a syntax error, an unknown payload case or an unknown field is a
 * validation error at file:line:column before anything is sent. The hooks get the compiler from
 * their context: this module does not load CEL, the loader does, only for a workflow with a step
 * whose `usesCel` says so. Each kind's argument schema is built when first read ({@linkcode stepKind}):
 * a workflow pays only for the zod schemas of the kinds it uses.
 *
 * @module
 */

import { z } from "zod";
import type { CelCompiler } from "./cel_compiler.ts";
import { DURATION_PATTERN } from "./duration.ts";
import { once } from "./once.ts";
import { type StepCheckContext, stepKind, type StepKindSchema } from "./step_kind.ts";
import { unclosedBraces } from "./template_braces.ts";

const _DURATION_EXPECTED = "expected a duration such as 250ms, 20s, 5m or 1h";

function _duration(description: string): z.ZodString {
  return z.string({ error: _DURATION_EXPECTED })
    .regex(DURATION_PATTERN, { error: _DURATION_EXPECTED })
    .meta({ description, examples: ["250ms", "20s", "5m", "1h"] });
}

function _text(expected: string, description: string): z.ZodString {
  return z.string({ error: `expected ${expected}` }).min(1, { error: `expected ${expected}` })
    .meta({ description });
}

/** A variable name for captures and order results: letters, digits and `_`. */
export const VARIABLE_NAME_PATTERN: RegExp = /^[A-Za-z_][A-Za-z0-9_]*$/;

function _name(description: string): z.ZodString {
  const error = "expected a name of letters, digits and _ (starting with a letter or _)";
  return z.string({ error }).regex(VARIABLE_NAME_PATTERN, { error }).meta({ description });
}

function _cel(description: string): z.ZodString {
  return _text("a CEL expression", description);
}

/** Depth buffer names (`buffer:`) and their `DepthBuffer` enum values. */
export const DEPTH_BUFFERS = {
  slow_trade: 1,
  smart_trade: 2,
  slow_smart: 3,
  smart: 4,
  fast_smart: 5,
  all: 6,
  fast_trade: 7,
  trade_only: 8,
} as const;

/** Depth level names (`depth:`) and their `DepthLevels` enum values. */
export const DEPTH_LEVELS = { best_only: 1, normal: 10, all: 255 } as const;

const _market = once(() => ({
  exchange: _text("an exchange id, e.g. CME_Eq", "Exchange id, e.g. CME_Eq"),
  contract: _text("a contract id, e.g. ES", "Contract id, e.g. ES"),
  market: _text(
    "a market id, e.g. XCME_Eq ES (Z26), or front",
    "Market id, e.g. XCME_Eq ES (Z26), or front: the contract's front market, looked up through the REST API after login",
  ),
}));

const _marketError = "expected a map with exchange, contract and market";

/** A literal value or `{ expr: CEL }` evaluated when the step runs. */
function _value(literal: z.ZodType, description: string): z.ZodType {
  return z.union([
    literal,
    z.strictObject({ expr: _cel("CEL expression over session and vars") }),
  ], { error: `expected ${description.toLowerCase()} or { expr: CEL }` })
    .meta({ description: `${description}, or { expr: CEL } evaluated when the step runs` });
}

const _price = (description: string) =>
  _value(
    z.union([z.number(), _text("a price", description)], { error: "expected a price" }),
    description,
  );

/** The order sides and types written in workflows. */
export const ORDER_SIDES = ["buy", "sell"] as const;
/** Order types: market, limit, stop (stop-market) and stop_limit. */
export const ORDER_TYPES = ["market", "limit", "stop", "stop_limit"] as const;
/** Time types: normal (day), ioc (immediate or cancel), gtc (good till cancelled). */
export const ORDER_TIME_TYPES = ["normal", "ioc", "gtc"] as const;

const _orderFields = once(() => ({
  account: _value(_text("an account id", "Account id"), "Account id"),
  market: _value(
    _text("a market id or front", "Market id, or front (needs exchange and contract)"),
    "Market id",
  ),
  exchange: _text("an exchange id, e.g. CME_Eq", "Exchange id (needed with market: front)")
    .optional(),
  contract: _text("a contract id, e.g. ES", "Contract id (needed with market: front)").optional(),
  side: z.enum(ORDER_SIDES, { error: "expected buy or sell" }).meta({ description: "buy or sell" }),
  type: z.enum(ORDER_TYPES, { error: "expected one of market, limit, stop, stop_limit" })
    .meta({ description: "Order type" }),
  volume: z.int({ error: "expected a whole number of contracts >= 1" })
    .min(1, { error: "expected a whole number of contracts >= 1" })
    .meta({ description: "Volume in contracts (checked against max_order_volume)" }),
  limit_price: _price("Limit price (limit and stop_limit)").optional(),
  stop_price: _price("Stop price (stop and stop_limit)").optional(),
  time_type: z.enum(ORDER_TIME_TYPES, { error: "expected one of normal, ioc, gtc" }).optional()
    .meta({ description: "normal (default), ioc or gtc" }),
  tag: _text("a tag", "Tag to correlate the order's updates (default: generated)").optional(),
}));

/** One order of `submit_order` / `submit_batch`. */
const _orderSchema = once((): z.ZodType =>
  z.strictObject(_orderFields(), {
    error: "expected a map with account, market, side, type and volume",
  })
);

/** Arguments of `submit_order`. */
const _submitOrderSchema = once((): z.ZodType =>
  z.strictObject({
    ..._orderFields(),
    as: _name("Variable that holds the order's first update (default: order)").optional(),
    timeout: _duration("Time allowed for the order's first update (default 10s)").optional(),
  }, { error: "expected a map with account, market, side, type and volume" })
);

/** The order a revise or pull is about: the variable an earlier order step stored. */
const _orderRef = once(() =>
  _name("The variable an earlier order step stored the order in (its 'as')")
);

type _Report = (path: readonly (string | number)[], message: string, offset?: number) => void;

/** The compiler the loader handed over (it loads CEL for every step whose `usesCel` is true). */
function _compiler(context: StepCheckContext | undefined): CelCompiler {
  const cel = context?.cel;
  if (!cel) throw new TypeError("Cannot check a CEL expression as CEL was not loaded for it");
  return cel;
}

/** `usesCel` of the order steps: a `{ expr: CEL }` value anywhere in the arguments. */
function _hasExpr(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  if (!Array.isArray(value) && "expr" in value) return true;
  return Object.values(value).some(_hasExpr);
}

function _reportCel(
  source: string,
  options: {
    payloadCase?: string | undefined;
    result: "bool" | "any";
    offsetBase?: number;
    context?: StepCheckContext | undefined;
  },
  report: _Report,
  path: readonly (string | number)[],
): void {
  const compiled = _compiler(options.context).compile(source, {
    payloadCase: options.payloadCase,
    result: options.result,
    knownVars: options.context?.vars,
  });
  if (compiled.ok) return;
  for (const d of compiled.diagnostics) {
    if (d.subject === "payload_case") report(["message"], d.message);
    else report(path, d.message, (options.offsetBase ?? 0) + d.offset);
  }
}

function _checkPayload(
  payload: string | undefined,
  report: _Report,
  context: StepCheckContext | undefined,
): boolean {
  if (payload === undefined) return true;
  const resolved = _compiler(context).resolvePayloadCase(payload);
  if (!resolved.ok) report(["message"], resolved.diagnostic.message);
  return resolved.ok;
}

/** A limit order needs `limit_price`, a stop order `stop_price`, a stop-limit order both. */
/** `market: front` in an order needs the exchange and contract to look it up. */
function _checkOrderFront(
  order: { market?: unknown; exchange?: string; contract?: string },
  report: _Report,
  base: readonly (string | number)[],
): void {
  if (order.market !== "front") return;
  const missing = (["exchange", "contract"] as const).filter((k) => order[k] === undefined);
  if (missing.length > 0) {
    report(
      [...base, "market"],
      `market: front needs ${
        missing.join(" and ")
      }, expected e.g. exchange: CME_Eq and contract: ES`,
    );
  }
}

function _checkOrderPrices(
  order: { type: string; limit_price?: unknown; stop_price?: unknown },
  report: _Report,
  base: readonly (string | number)[],
): void {
  const limit = order.type === "limit" || order.type === "stop_limit";
  const stop = order.type === "stop" || order.type === "stop_limit";
  if (limit && order.limit_price === undefined) {
    report(
      [...base, "type"],
      `a ${order.type} order needs limit_price, expected limit_price: PRICE`,
    );
  }
  if (stop && order.stop_price === undefined) {
    report([...base, "type"], `a ${order.type} order needs stop_price, expected stop_price: PRICE`);
  }
  if (!limit && order.limit_price !== undefined) {
    report(
      [...base, "limit_price"],
      `a ${order.type} order has no limit price, expected no limit_price`,
    );
  }
  if (!stop && order.stop_price !== undefined) {
    report(
      [...base, "stop_price"],
      `a ${order.type} order has no stop price, expected no stop_price`,
    );
  }
}

/** Checks `where`/`condition`/`capture` of expect, capture and watch steps. */
function _checkMessageStep(args: unknown, report: _Report, context?: StepCheckContext) {
  const a = args as {
    message?: string;
    where?: string;
    condition?: string;
    detail?: string;
    capture?: Record<string, string>;
    values?: Record<string, string>;
  };
  // An unknown payload case is reported once; field errors on `msg` would only repeat it.
  if (!_checkPayload(a.message, report, context)) return;
  for (const key of ["where", "condition", "detail"] as const) {
    const source = a[key];
    if (source === undefined) continue;
    _reportCel(
      source,
      {
        payloadCase: a.message,
        result: key === "detail" ? "any" : "bool",
        context,
      },
      report,
      [key],
    );
  }
  for (const key of ["capture", "values"] as const) {
    for (const [name, source] of Object.entries(a[key] ?? {})) {
      _reportCel(source, { payloadCase: a.message, result: "any", context }, report, [key, name]);
    }
  }
}

function _checkValues(
  args: unknown,
  report: _Report,
  context: StepCheckContext | undefined,
  base: readonly (string | number)[] = [],
) {
  if (args === null || typeof args !== "object") return;
  for (const [key, value] of Object.entries(args as Record<string, unknown>)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const expr = (value as { expr?: unknown }).expr;
      if (typeof expr === "string") {
        _reportCel(expr, { result: "any", context }, report, [...base, key, "expr"]);
      }
    }
  }
}

const _captureMap = once(() =>
  z.record(
    z.string().regex(VARIABLE_NAME_PATTERN, {
      error: "expected a variable name of letters, digits and _",
    }),
    _cel("CEL expression whose value is saved"),
    { error: "expected a map of variable names to CEL expressions" },
  )
);

const _payloadName = once(() =>
  _text(
    "a ServerMessage payload case, e.g. market_depth",
    "The ServerMessage payload case to match, e.g. market_depth, account_update, order_update",
  )
);

/** Step kinds of this issue, keyed by kind. */
export const MARKET_STEP_SCHEMAS: Record<string, StepKindSchema> = {
  subscribe_market: stepKind({
    bare: false,
    session: "needs",
    description: "Subscribe to market depth; replayed after every reconnect",
  }, () =>
    z.strictObject({
      ..._market(),
      buffer: z.enum(
        Object.keys(DEPTH_BUFFERS) as [keyof typeof DEPTH_BUFFERS],
        { error: `expected one of ${Object.keys(DEPTH_BUFFERS).join(", ")}` },
      ).optional().meta({ description: "Update buffering (default smart)" }),
      depth: z.enum(Object.keys(DEPTH_LEVELS) as [keyof typeof DEPTH_LEVELS], {
        error: "expected one of best_only, normal, all",
      }).optional().meta({ description: "Depth levels (default normal)" }),
    }, { error: _marketError })),
  subscribe_market_by_order: stepKind({
    bare: false,
    session: "needs",
    description: "Subscribe to market-by-order data; replayed after every reconnect",
  }, () => z.strictObject(_market(), { error: _marketError })),
  unsubscribe_market: stepKind({
    bare: false,
    session: "needs",
    description: "End a market depth (or market-by-order) subscription",
  }, () =>
    z.strictObject({
      ..._market(),
      by_order: z.boolean({ error: "expected true or false" }).optional()
        .meta({ description: "End the market-by-order subscription instead of depth" }),
    }, { error: _marketError })),
  subscribe_accounts: stepKind({
    bare: false,
    session: "needs",
    description: "Subscribe to account updates: all (every account of the session), or a list",
  }, () =>
    z.union([
      z.literal("all").meta({ description: "Every account of the session" }),
      z.array(_text("an account id", "Account id")).min(1).meta({ description: "These accounts" }),
      z.strictObject({
        accounts: z.union([
          z.literal("all"),
          z.array(_text("an account id", "Account id")).min(1),
        ], { error: "expected all or a list of account ids" }).optional()
          .meta({ description: "all (every account of the session, default) or a list" }),
        upl_mode: z.enum(["none", "average"], { error: "expected none or average" }).optional()
          .meta({ description: "Unrealised P&L mode (default: the server's)" }),
      }),
    ], { error: "expected all, a list of account ids, or a map with accounts and upl_mode" })),
  expect: stepKind({
    bare: false,
    session: "needs",
    check: _checkMessageStep,
    usesCel: () => true,
    description:
      "Wait until a message of a payload case satisfies a CEL condition (or check vars at once)",
  }, () =>
    z.strictObject({
      message: _payloadName().optional(),
      where: _cel("CEL condition over msg, session and vars (default true)").optional(),
      timeout: _duration("How long to wait for a matching message (default 10s)").optional(),
      capture: _captureMap().optional()
        .meta({ description: "Variables to save from the matching message (CEL)" }),
    }, { error: "expected a map with message, where, timeout and capture" })),
  capture: stepKind({
    bare: false,
    session: "needs",
    check: _checkMessageStep,
    usesCel: () => true,
    description: "Wait for a message and save values from it into variables",
  }, () =>
    z.strictObject({
      message: _payloadName(),
      where: _cel("CEL condition the message must satisfy (default true)").optional(),
      timeout: _duration("How long to wait for a matching message (default 10s)").optional(),
      values: _captureMap().meta({
        description: "Variables to save (CEL over msg, session, vars)",
      }),
    }, { error: "expected a map with message, where, timeout and values" })),
  watch: stepKind({
    bare: false,
    session: "needs",
    check: (args, report, context) => {
      const a = args as { fail?: boolean; informational?: boolean };
      if (a.fail === true && a.informational === true) {
        report(["informational"], "give either fail: true or informational: true, not both");
      }
      _checkMessageStep(args, report, context);
    },
    usesCel: () => true,
    description:
      "Keep checking a condition or a staleness window; raises a named event; a violation fails the run unless informational",
  }, () =>
    z.strictObject({
      name: _name("The event raised when the watch is violated (usable in alerts' on:)"),
      message: _payloadName(),
      where: _cel("Which messages the watch looks at (CEL, default all)").optional(),
      condition: _cel("CEL condition every matching message must satisfy").optional(),
      within: _duration("A matching message must arrive at least this often (staleness)")
        .optional(),
      detail: _cel(
        "CEL expression describing a violating message, for alerts (default: the condition)",
      )
        .optional(),
      during: z.enum(["hold", "run"], { error: "expected hold or run" }).optional()
        .meta({ description: "Until the end of the next hold, or the whole run (default)" }),
      fail: z.boolean({ error: "expected true or false" }).optional()
        .meta({
          description:
            "true: a violation fails the running step at once (default: the run goes on and fails at its end, exit 1)",
        }),
      informational: z.boolean({ error: "expected true or false" }).optional()
        .meta({
          description:
            "true: violations only alert and are reported; they never fail the run (default false)",
        }),
    }, {
      error:
        "expected a map with name, message, where, condition, within, detail, during, fail and informational",
    })
      .refine((a) => a.condition !== undefined || a.within !== undefined, {
        error: "missing condition or within, expected at least one of them",
      })),
  submit_order: stepKind({
    bare: false,
    session: "needs",
    check: (args, report, context) => {
      _checkOrderPrices(
        args as { type: string; limit_price?: unknown; stop_price?: unknown },
        report,
        [],
      );
      _checkOrderFront(args as { market?: unknown }, report, []);
      _checkValues(args, report, context);
    },
    usesCel: _hasExpr,
    description:
      "Submit an order and wait for its first update (stored in vars.<as>); a rejection fails",
  }, () => _submitOrderSchema()),
  revise_order: stepKind({
    bare: false,
    session: "needs",
    check: (args, report, context) => _checkValues(args, report, context),
    usesCel: _hasExpr,
    description: "Revise an order an earlier step submitted and wait for the revision update",
  }, () =>
    z.strictObject({
      order: _orderRef(),
      volume: z.int({ error: "expected a whole number of contracts >= 1" })
        .min(1, { error: "expected a whole number of contracts >= 1" }).optional(),
      limit_price: _price("New limit price").optional(),
      stop_price: _price("New stop price").optional(),
      as: _name("Variable for the revision update (default: the order's)").optional(),
      timeout: _duration("Time allowed for the update (default 10s)").optional(),
    }, { error: "expected a map with order and volume, limit_price or stop_price" })),
  pull_order: stepKind({
    bare: false,
    session: "needs",
    description: "Pull (cancel) an order an earlier step submitted and wait for the pull update",
  }, () =>
    z.strictObject({
      order: _orderRef(),
      as: _name("Variable for the pull update (default: the order's)").optional(),
      timeout: _duration("Time allowed for the update (default 10s)").optional(),
    }, { error: "expected a map with order" })),
  submit_batch: stepKind({
    bare: false,
    session: "needs",
    check: (args, report, context) => {
      const orders = (args as { orders: { type: string }[] }).orders;
      orders.forEach((order, i) => {
        _checkOrderPrices(order, report, ["orders", i]);
        _checkOrderFront(order as { market?: unknown }, report, ["orders", i]);
        _checkValues(order, report, context, ["orders", i]);
      });
    },
    usesCel: _hasExpr,
    description: "Submit orders as one batch and wait for the acknowledgement",
  }, () =>
    z.strictObject({
      orders: z.array(_orderSchema(), { error: "expected a list of orders" })
        .min(1, { error: "expected at least one order" }),
      as: _name("Variable that holds the acknowledgement (default: batch)").optional(),
      timeout: _duration("Time allowed for the acknowledgement (default 10s)").optional(),
    }, { error: "expected a map with orders" })),
  sleep: stepKind({
    bare: false,
    session: "none",
    description: "Wait (heartbeats and watches run underneath)",
  }, () => _duration("How long to wait")),
  log: stepKind({
    bare: false,
    session: "none",
    check: (args, report, context) => {
      const text = args as string;
      for (const at of unclosedBraces(text)) {
        report([], "unclosed '{{', expected '}}' after the expression, e.g. {{ vars.bid }}", at);
      }
      for (const match of text.matchAll(/\{\{(.*?)\}\}/gs)) {
        const inner = match[1] ?? "";
        const start = (match.index ?? 0) + 2;
        if (!inner.trim()) {
          report([], "empty {{ }}, expected a CEL expression such as {{ vars.bid }}", start);
          continue;
        }
        _reportCel(inner, { result: "any", offsetBase: start, context }, report, []);
      }
    },
    usesCel: (args) => typeof args === "string" && args.includes("{{"),
    description: "Print a message; {{ CEL }} inserts values",
  }, () =>
    z.string({ error: "expected a message" })
      .meta({ description: "A message; {{ CEL }} inserts values of vars and session" })),
};
