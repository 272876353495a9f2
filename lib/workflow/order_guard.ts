/**
 * The order guard: no order reaches a live market by accident, no order goes above the
 * workflow's volume limit. It needs no protobuf, so loading a workflow does not load the message
 * schemas (`order_safety.ts` adds the `--dry-run` renderer, which does).
 *
 * @module
 */

import { isLoopbackHost } from "../client/loopback.ts";

/** The vendor's simulator host: the only remote host order steps may use without opt-in. */
export const T4_SIMULATOR_HOST = "wss-sim.t4login.com";

/** One order a workflow would send, as far as the guard cares. */
export interface GuardedOrder {
  /** The order's volume; `undefined` for orders without one (pull, a revise of price only). */
  readonly volume?: number | bigint | undefined;
  /** Where the order comes from, for messages, e.g. `steps[3].submit`. */
  readonly label?: string | undefined;
}

/** What {@linkcode checkOrderSafety} checks. */
export interface OrderSafetyInput {
  /** Where the workflow connects: `url` wins over `env`, as in `T4Client`. */
  readonly target: { readonly env?: "live" | "sim" | undefined; readonly url?: string | undefined };
  /** The workflow's `environment:` declaration, if any. */
  readonly workflowEnvironment?: "live" | "sim" | undefined;
  /** Whether the command line says `--allow-live-orders`. */
  readonly allowLiveOrdersFlag: boolean;
  /** The workflow's `max_order_volume`, if any (a positive integer). */
  readonly maxOrderVolume?: number | undefined;
  /** Every order the workflow would send. */
  readonly orders: readonly GuardedOrder[];
}

/** Why the guard refused. */
export type OrderSafetyViolationCode =
  /** Orders against a live or unknown host without `environment: live` and `--allow-live-orders`. */
  | "live_orders_refused"
  /** The target URL does not parse. */
  | "invalid_target"
  /** An order's volume is above `max_order_volume`. */
  | "volume_exceeded"
  /** An order's volume is not a positive integer. */
  | "invalid_volume"
  /** `max_order_volume` is not a positive integer. */
  | "invalid_max_order_volume";

/** One reason the guard refused. */
export interface OrderSafetyViolation {
  /** Why. */
  readonly code: OrderSafetyViolationCode;
  /** The order it is about (`label`, or `orders[i]`), when it is about one. */
  readonly order: string | undefined;
  /** What is wrong and how to fix it, in sentence case with the action first. */
  readonly message: string;
}

/** Where orders would go: the simulator, a loopback server, or anything else (treated as live). */
export type OrderTargetKind = "sim" | "loopback" | "live";

/** What {@linkcode checkOrderSafety} returns. */
export type OrderSafetyResult =
  | { readonly ok: true; readonly target: OrderTargetKind }
  | { readonly ok: false; readonly target: OrderTargetKind; readonly error: OrderSafetyError };

/**
 * The order guard refused a workflow: nothing was sent. `violations` lists every reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OrderSafetyError } from "./order_guard.ts";
 *
 * const error = new OrderSafetyError([
 *   { code: "volume_exceeded", order: "steps[2]", message: "Cannot submit steps[2] as ..." },
 * ]);
 * assert.equal(error.violations[0]?.code, "volume_exceeded");
 * assert.match(error.message, /^Cannot run the order steps as the order guard refused them:/);
 * ```
 */
export class OrderSafetyError extends Error {
  /** The error class name, `"OrderSafetyError"`. */
  override readonly name = "OrderSafetyError";
  /** Every reason, in order. */
  readonly violations: readonly OrderSafetyViolation[];

  /**
   * Creates the error from the order guard's reasons.
   *
   * @param violations The reasons (at least one).
   * @param options Error options (`cause`).
   */
  constructor(violations: readonly OrderSafetyViolation[], options?: ErrorOptions) {
    super(
      `Cannot run the order steps as the order guard refused them:\n${
        violations.map((v) => `- ${v.message}`).join("\n")
      }`,
      options,
    );
    this.violations = violations;
  }
}

/**
 * Classifies where a workflow connects: the vendor simulator, a loopback server, or anything else,
 * which the guard treats as live.
 *
 * @param target `url` (wins) or `env`.
 * @returns The kind, or `undefined` when the URL does not parse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { orderTargetKind } from "./order_guard.ts";
 *
 * assert.equal(orderTargetKind({ env: "sim" }), "sim");
 * assert.equal(orderTargetKind({ url: "ws://127.0.0.1:8080/v1" }), "loopback");
 * assert.equal(orderTargetKind({ url: "wss://t4.example.com/v1" }), "live");
 * assert.equal(orderTargetKind({}), "live");
 * ```
 */
export function orderTargetKind(
  target: OrderSafetyInput["target"],
): OrderTargetKind | undefined {
  if (target.url === undefined) return target.env === "sim" ? "sim" : "live";
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  if (host === T4_SIMULATOR_HOST) return "sim";
  if (isLoopbackHost(host)) return "loopback";
  return "live";
}

/**
 * Checks a workflow's order steps before anything is sent.
 *
 * Orders against `env: live`, or against any URL whose host is neither the simulator
 * ({@linkcode T4_SIMULATOR_HOST}) nor loopback, are refused unless the workflow declares
 * `environment: live` **and** the command line says `--allow-live-orders`. A target with neither
 * `url` nor `env` counts as live. Each order's volume must be a positive integer and, when the
 * workflow sets `max_order_volume`, at most that. A workflow without orders always passes.
 *
 * @param input The target, the workflow's declaration, the flag, the limit and the orders.
 * @returns `ok`, or the {@linkcode OrderSafetyError} listing every violation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOrderSafety } from "./order_guard.ts";
 *
 * const orders = [{ volume: 1, label: "steps[2].submit" }];
 * assert.ok(checkOrderSafety({ target: { env: "sim" }, allowLiveOrdersFlag: false, orders }).ok);
 *
 * const live = checkOrderSafety({ target: { env: "live" }, allowLiveOrdersFlag: true, orders });
 * assert.ok(!live.ok);
 * assert.equal(live.error.violations[0]?.code, "live_orders_refused");
 * ```
 */
export function checkOrderSafety(input: OrderSafetyInput): OrderSafetyResult {
  const violations: OrderSafetyViolation[] = [];
  const kind = orderTargetKind(input.target);
  const target: OrderTargetKind = kind ?? "live";
  if (input.orders.length === 0) return { ok: true, target };
  if (kind === undefined) {
    violations.push({
      code: "invalid_target",
      order: undefined,
      message: "Cannot check where orders would go as the connection url is not a valid URL",
    });
  } else if (kind === "live") {
    const declared = input.workflowEnvironment === "live";
    const flag = input.allowLiveOrdersFlag;
    if (!declared || !flag) {
      const where = input.target.url !== undefined
        ? `${
          _host(input.target.url)
        }, which is not the simulator (${T4_SIMULATOR_HOST}) or loopback`
        : input.target.env === "live"
        ? "env: live"
        : "an unspecified environment";
      const missing = [
        ...(declared ? [] : ["the workflow to declare 'environment: live'"]),
        ...(flag ? [] : ["the command line flag --allow-live-orders"]),
      ];
      violations.push({
        code: "live_orders_refused",
        order: undefined,
        message: `Cannot send ${input.orders.length} order${
          input.orders.length === 1 ? "" : "s"
        } to ${where} as live orders need ${missing.join(" and ")}`,
      });
    }
  }
  const max = input.maxOrderVolume;
  const maxValid = max === undefined || (Number.isSafeInteger(max) && max > 0);
  if (!maxValid) {
    violations.push({
      code: "invalid_max_order_volume",
      order: undefined,
      message:
        `Cannot check order volumes as 'max_order_volume' must be a positive integer: current value is ${max}`,
    });
  }
  input.orders.forEach((order, index) => {
    if (order.volume === undefined) return;
    const label = order.label ?? `orders[${index}]`;
    const volume = typeof order.volume === "bigint" ? order.volume : Number(order.volume);
    const integral = typeof volume === "bigint" || Number.isSafeInteger(volume);
    if (!integral || volume <= 0) {
      violations.push({
        code: "invalid_volume",
        order: label,
        message:
          `Cannot send ${label} as its volume must be a positive integer: current value is ${volume}`,
      });
    } else if (max !== undefined && maxValid && volume > max) {
      violations.push({
        code: "volume_exceeded",
        order: label,
        message: `Cannot send ${label} as its volume ${volume} is above max_order_volume ${max}`,
      });
    }
  });
  if (violations.length > 0) return { ok: false, target, error: new OrderSafetyError(violations) };
  return { ok: true, target };
}

function _host(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return "an invalid URL";
  }
}
