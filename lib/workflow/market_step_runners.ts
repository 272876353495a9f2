/**
 * Runners of the market data, account, expectation, watch, capture, order, `sleep` and `log`
 * steps (their schemas are in `step_schemas.ts`).
 *
 * @module
 */

import { type Message, toJson } from "@bufbuild/protobuf";
import { OrderRejectedError } from "../client/errors.ts";
import { OrderStatus, UPLMode } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type { OrderUpdateFailed } from "../protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";
import type { OrderUpdateMessage } from "../client/t4_client.ts";
import {
  compileCelCondition,
  compileCelExpression,
  type CompiledCelExpression,
  evaluateCel,
  evaluateCelCondition,
} from "./cel_expression.ts";
import { resolveCelPayloadCase, T4_CEL_REGISTRY } from "./cel_payload.ts";
import { celToPlain } from "./cel_value.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import { describeArrivals } from "./expect_timeout.ts";
import { evaluateCaptures } from "./message_hub.ts";
import {
  type OrderArgs,
  orderBatchInit,
  orderPullInit,
  orderReviseInit,
  orderSubmitInit,
  type OrderValue,
  type StoredOrder,
} from "./order_frames.ts";
import { DEPTH_BUFFERS, DEPTH_LEVELS } from "./step_schemas.ts";
import type { StepContext, StepRunner, WorkflowClient } from "./step_context.ts";

const _DEFAULT_TIMEOUT_MS = 10_000;

/**
 * An expectation was not met in time, or its condition could not be evaluated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ExpectationError } from "./market_step_runners.ts";
 *
 * const error = new ExpectationError("timed_out", "Expected a market_depth with msg.bids.size() > 0 within 5s: none arrived");
 * assert.equal(error.outcome, "timed_out");
 * ```
 */
export class ExpectationError extends Error {
  /** The error class name, always `"ExpectationError"`. */
  override readonly name = "ExpectationError";
  /** `timed_out` (nothing matched in time), `condition_error` (evaluation failed) or `not_met`. */
  readonly outcome: "timed_out" | "condition_error" | "not_met";

  /**
   * Creates the error for an expectation that failed as `outcome` says.
   *
   * @param outcome Why.
   * @param message What was expected and what happened.
   * @param options Error options (`cause`).
   */
  constructor(
    outcome: "timed_out" | "condition_error" | "not_met",
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.outcome = outcome;
  }
}

function _client<K extends keyof WorkflowClient>(context: StepContext, method: K) {
  const client = context.client;
  const fn = client?.[method];
  if (!client || typeof fn !== "function") {
    throw new TypeError(`Cannot run the step as the client has no ${String(method)}()`);
  }
  return (fn as (...args: unknown[]) => unknown).bind(client) as NonNullable<WorkflowClient[K]>;
}

function _compile(source: string | undefined, payloadCase: string | undefined, bool: boolean) {
  if (source === undefined) return undefined;
  const result = bool
    ? compileCelCondition(source, { payloadCase })
    : compileCelExpression(source, { payloadCase });
  if (!result.ok) {
    throw new TypeError(`Cannot compile '${source}': ${result.diagnostics[0]?.message ?? ""}`);
  }
  return result.expression;
}

function _timeout(value: unknown): number {
  return typeof value === "string"
    ? parseDuration(value) ?? _DEFAULT_TIMEOUT_MS
    : _DEFAULT_TIMEOUT_MS;
}

function _input(context: StepContext, msg?: Message) {
  return { msg, session: context.session, vars: context.vars, now: context.clock.now() };
}

function _resolver(context: StepContext) {
  return (value: OrderValue, key: string): string => {
    if (typeof value !== "object") return String(value);
    const compiled = _compile(value.expr, undefined, false)!;
    const result = evaluateCel(compiled, _input(context));
    if (!result.ok) {
      throw new ExpectationError(
        "condition_error",
        `Cannot evaluate ${key} (${value.expr}): ${result.error.message}`,
        { cause: result.error },
      );
    }
    const plain = celToPlain(result.value);
    return typeof plain === "object" && plain !== null ? JSON.stringify(plain) : String(plain);
  };
}

async function _messageStep(
  args: {
    message?: string;
    where?: string;
    timeout?: string;
    capture?: Record<string, string>;
    values?: Record<string, string>;
  },
  context: StepContext,
): Promise<string> {
  const captures = new Map<string, CompiledCelExpression>();
  for (const [name, source] of Object.entries(args.capture ?? args.values ?? {})) {
    captures.set(name, _compile(source, args.message, false)!);
  }
  const where = _compile(args.where, args.message, true);
  if (args.message === undefined) {
    if (where) {
      const result = evaluateCelCondition(where, _input(context));
      if (!result.ok) {
        throw new ExpectationError(
          "condition_error",
          `Cannot evaluate ${where.source}: ${result.error.message}`,
          { cause: result.error },
        );
      }
      if (!result.value) {
        throw new ExpectationError("not_met", `Expected ${where.source}: it is false`);
      }
    }
    const captured = evaluateCaptures(captures, _input(context));
    if (!captured.ok) throw new ExpectationError("condition_error", captured.error.message);
    Object.assign(context.vars, captured.values);
    return _capturedDetail(captured.values, where ? "met" : "captured");
  }
  const payload = resolveCelPayloadCase(args.message);
  if (!payload.ok) throw new TypeError(payload.diagnostic.message);
  const hub = context.hub;
  if (!hub) throw new TypeError("Cannot wait for messages before a login step");
  const timeoutMs = _timeout(args.timeout);
  const message = await hub.wait(
    payload.payloadCase.caseName,
    context.previousStepSeq,
    (value) => {
      if (!where) return true;
      const result = evaluateCelCondition(where, _input(context, value));
      if (!result.ok) {
        return new ExpectationError(
          "condition_error",
          `Cannot evaluate ${where.source} on a ${args.message}: ${result.error.message}`,
          { cause: result.error },
        );
      }
      return result.value;
    },
    timeoutMs,
    _stopped(context),
  );
  if (!message) {
    const now = hub.counts();
    const counts = new Map<string, number>();
    for (const [name, n] of now) counts.set(name, n - (context.previousStepCounts.get(name) ?? 0));
    const arrived = describeArrivals({
      counts,
      payload: payload.payloadCase.protoName,
      last: hub.last(payload.payloadCase.caseName, context.previousStepSeq),
      where: where?.source,
      input: { session: context.session, vars: context.vars },
    });
    throw new ExpectationError(
      "timed_out",
      `Expected a ${args.message}${where ? ` with ${where.source}` : ""} within ${
        formatDuration(timeoutMs)
      }: ${arrived}`,
    );
  }
  const captured = evaluateCaptures(captures, _input(context, message));
  if (!captured.ok) throw new ExpectationError("condition_error", captured.error.message);
  Object.assign(context.vars, captured.values);
  return _capturedDetail(captured.values, `${args.message} matched`);
}

function _capturedDetail(values: Record<string, unknown>, prefix: string): string {
  const entries = Object.entries(values);
  if (entries.length === 0) return prefix;
  return `${prefix}; ${entries.map(([k, v]) => `${k}=${_short(v)}`).join(", ")}`;
}

function _short(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Plain, JSON-safe view of an order update for `vars` (proto field names, enums as numbers). */
function _orderValue(update: OrderUpdateMessage): Record<string, unknown> {
  const schema = T4_CEL_REGISTRY.getMessage(update.$typeName);
  const json = schema
    ? toJson(schema, update, {
      useProtoFieldName: true,
      enumAsInteger: true,
      alwaysEmitImplicit: true,
    }) as Record<string, unknown>
    : {};
  const kind = update.$typeName.endsWith("OrderUpdateFailed")
    ? "order_update_failed"
    : update.$typeName.endsWith("OrderUpdateStatus")
    ? "order_update_status"
    : "order_update";
  const status = (update as { status?: number }).status ?? 0;
  return { ...json, kind, status_name: OrderStatus[status] ?? String(status) };
}

/** Throws `OrderRejectedError` ("Cannot continue as order ... was rejected") on a refusal. */
function _checkOrderUpdates(updates: readonly OrderUpdateMessage[], cause?: unknown): void {
  for (const update of updates) {
    if (update.$typeName.endsWith("OrderUpdateFailed")) {
      throw new OrderRejectedError(
        "continue",
        update as OrderUpdateFailed,
        updates,
        cause === undefined ? undefined : { cause },
      );
    }
  }
}

function _orderDetail(value: Record<string, unknown>): string {
  return `order ${String(value.unique_id || "(no id)")} ${String(value.status_name)}${
    value.status_detail ? ` (${String(value.status_detail)})` : ""
  }`;
}

async function _race<T>(
  context: StepContext,
  promise: Promise<T>,
  timeoutMs: number,
  what: string,
) {
  let timer: unknown;
  const timeout = new Promise<never>((_, reject) => {
    timer = context.clock.setTimeout(
      () =>
        reject(
          new ExpectationError(
            "timed_out",
            `Expected ${what} within ${formatDuration(timeoutMs)}: none arrived`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout, _stopped(context)]);
  } finally {
    context.clock.clearTimeout(timer);
  }
}

function _storedOrder(context: StepContext, name: string): StoredOrder {
  const value = context.vars[name];
  if (value === null || typeof value !== "object") {
    throw new TypeError(`Cannot find order '${name}': no earlier order step stored it`);
  }
  return value as StoredOrder;
}

function _sleep(context: StepContext, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const handle = context.clock.setTimeout(resolve, ms);
    _stopped(context).catch((error) => {
      context.clock.clearTimeout(handle);
      reject(error);
    });
  });
}

/** Rejects when the session ends, a failing watch fires or the run is interrupted. */
function _stopped(context: StepContext): Promise<never> {
  const interrupted = new Promise<never>((_, reject) => {
    const signal = context.signal;
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  const stopped = Promise.race([context.clientEnded(), interrupted]);
  stopped.catch(() => {});
  return stopped;
}

type _Market = { exchange: string; contract: string; market: string };
const _ref = (a: _Market) => ({
  exchangeId: a.exchange,
  contractId: a.contract,
  marketId: a.market,
});

/** The runners of this module's step kinds. */
export const MARKET_STEP_RUNNERS: Record<string, StepRunner> = {
  subscribe_market: async (args, context) => {
    const a = args as _Market & {
      buffer?: keyof typeof DEPTH_BUFFERS;
      depth?: keyof typeof DEPTH_LEVELS;
    };
    // Resolves on the server's confirmation; a refusal fails the step with the server's reason.
    await _client(context, "subscribeMarket")({
      ..._ref(a),
      ...(a.buffer && { buffer: DEPTH_BUFFERS[a.buffer] }),
      ...(a.depth && { depthLevels: DEPTH_LEVELS[a.depth] }),
    }, { signal: context.signal });
    return `subscribed to ${a.market}`;
  },
  subscribe_market_by_order: async (args, context) => {
    const a = args as _Market;
    await _client(context, "subscribeMarketByOrder")(_ref(a), { signal: context.signal });
    return `subscribed to ${a.market} (by order)`;
  },
  unsubscribe_market: (args, context) => {
    const a = args as _Market & { by_order?: boolean };
    if (a.by_order) _client(context, "unsubscribeMarketByOrder")(_ref(a));
    else _client(context, "unsubscribeMarket")(_ref(a));
    return Promise.resolve(`unsubscribed from ${a.market}${a.by_order ? " (by order)" : ""}`);
  },
  subscribe_accounts: async (args, context) => {
    const a = (typeof args === "string" || Array.isArray(args) ? { accounts: args } : args) as {
      accounts?: "all" | string[];
      upl_mode?: "none" | "average";
    };
    const ids = a.accounts === undefined || a.accounts === "all"
      ? (context.session?.accounts ?? []).map((account) => account.accountId)
      : a.accounts;
    if (ids.length === 0) {
      throw new TypeError("Cannot subscribe to accounts as the session has none");
    }
    const subscribe = _client(context, "subscribeAccount");
    await Promise.all(ids.map((accountId) =>
      subscribe({
        accountId,
        ...(a.upl_mode &&
          { uplMode: a.upl_mode === "average" ? UPLMode.UPL_MODE_AVERAGE : UPLMode.UPL_MODE_NONE }),
      }, { signal: context.signal })
    ));
    return `subscribed to ${ids.join(", ")}`;
  },
  expect: (args, context) => _messageStep(args as Parameters<typeof _messageStep>[0], context),
  capture: (args, context) => _messageStep(args as Parameters<typeof _messageStep>[0], context),
  watch: (args, context) => {
    const a = args as {
      name: string;
      message: string;
      where?: string;
      condition?: string;
      within?: string;
      during?: "hold" | "run";
      fail?: boolean;
      informational?: boolean;
      detail?: string;
    };
    const payload = resolveCelPayloadCase(a.message);
    if (!payload.ok) throw new TypeError(payload.diagnostic.message);
    if (!context.hub) throw new TypeError("Cannot watch messages before a login step");
    const withinMs = a.within === undefined ? undefined : parseDuration(a.within);
    context.hub.watch({
      name: a.name,
      caseName: payload.payloadCase.caseName,
      protoName: payload.payloadCase.protoName,
      where: _compile(a.where, a.message, true),
      condition: _compile(a.condition, a.message, true),
      detail: _compile(a.detail, a.message, false),
      withinMs,
      during: a.during ?? "run",
      fail: a.fail === true,
      informational: a.informational === true,
    });
    return Promise.resolve(
      `watching ${a.message}${withinMs !== undefined ? ` (within ${a.within})` : ""} until the ${
        a.during === "hold" ? "end of the next hold" : "end of the run"
      }`,
    );
  },
  submit_order: async (args, context) => {
    const a = args as OrderArgs & { as?: string; timeout?: string };
    const init = orderSubmitInit(a, _resolver(context));
    // The client rejects with OrderRejectedError when the server refuses the order.
    let rejected: OrderRejectedError | undefined;
    const updates = await _race(
      context,
      _client(context, "submitOrder")(init),
      _timeout(a.timeout),
      "the order's first update",
    ).catch((error: unknown) => {
      if (!(error instanceof OrderRejectedError)) throw error;
      rejected = error;
      return error.updates;
    });
    const value = updates[0] ? _orderValue(updates[0]) : {};
    context.vars[a.as ?? "order"] = value;
    _checkOrderUpdates(updates, rejected);
    return _orderDetail(value);
  },
  revise_order: async (args, context) => {
    const a = args as {
      order: string;
      volume?: number;
      limit_price?: OrderValue;
      stop_price?: OrderValue;
      as?: string;
      timeout?: string;
    };
    const stored = _storedOrder(context, a.order);
    const init = orderReviseInit(stored, a, _resolver(context));
    const updates = await _race(
      context,
      _client(context, "reviseOrder")(init),
      _timeout(a.timeout),
      "the revision update",
    );
    const value = updates[0] ? { ...stored, ..._orderValue(updates[0]) } : stored;
    context.vars[a.as ?? a.order] = value;
    _checkOrderUpdates(updates);
    return _orderDetail(value as Record<string, unknown>);
  },
  pull_order: async (args, context) => {
    const a = args as { order: string; as?: string; timeout?: string };
    const stored = _storedOrder(context, a.order);
    const updates = await _race(
      context,
      _client(context, "pullOrder")(orderPullInit(stored)),
      _timeout(a.timeout),
      "the pull update",
    );
    const value = updates[0] ? { ...stored, ..._orderValue(updates[0]) } : stored;
    context.vars[a.as ?? a.order] = value;
    _checkOrderUpdates(updates);
    return _orderDetail(value as Record<string, unknown>);
  },
  submit_batch: async (args, context) => {
    const a = args as { orders: OrderArgs[]; as?: string; timeout?: string };
    const ack = await _race(
      context,
      _client(context, "submitBatch")(orderBatchInit(a.orders, _resolver(context))),
      _timeout(a.timeout),
      "the batch acknowledgement",
    );
    const schema = T4_CEL_REGISTRY.getMessage(ack.$typeName);
    const value = schema
      ? toJson(schema, ack, { useProtoFieldName: true, alwaysEmitImplicit: true })
      : {};
    context.vars[a.as ?? "batch"] = value;
    return `batch of ${a.orders.length} acknowledged`;
  },
  sleep: async (args, context) => {
    await _sleep(context, parseDuration(args as string)!);
  },
  log: (args, context) => {
    const text = (args as string).replace(/\{\{(.*?)\}\}/gs, (_, inner: string) => {
      const compiled = _compile(inner, undefined, false)!;
      const result = evaluateCel(compiled, _input(context));
      if (!result.ok) return `<${result.error.message}>`;
      const plain = celToPlain(result.value);
      return typeof plain === "string" ? plain : JSON.stringify(plain);
    });
    return Promise.resolve(text);
  },
};
