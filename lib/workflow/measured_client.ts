/**
 * The run's client as the steps see it: the same client, with each subscribe noted and each order
 * request timed in the run's {@linkcode SessionMetrics} collectors.
 *
 * @module
 */

import type { SessionMetrics } from "../client/session_metrics.ts";
import type { WorkflowClient } from "./step_context.ts";

/**
 * Wraps a client so that `subscribeMarket`, `subscribeMarketByOrder` and `subscribeAccount`
 * mark the subscription in every collector (time to first message counts from there) and
 * `submitOrder`, `reviseOrder`, `pullOrder` and `submitBatch` are timed to their first answer.
 * Everything else goes straight to the client. Status events and frames are collected by
 * `SessionMetrics.observe` on the client itself.
 *
 * @param client The client.
 * @param collectors The collectors to feed.
 * @returns The wrapped client.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionMetrics } from "../client/session_metrics.ts";
 * import { measuredClient } from "./measured_client.ts";
 *
 * const metrics = new SessionMetrics();
 * const client = measuredClient({
 *   connect: () => Promise.reject(new Error("offline")),
 *   onStatus: () => () => {},
 *   stats: { reconnects: 0, heartbeatsSent: 0, heartbeatsReceived: 0, frameErrors: 0, framesReceived: 0 },
 *   close: () => Promise.resolve(),
 *   submitOrder: () => Object.assign(Promise.resolve([]), { tags: [] }),
 * }, [metrics]);
 * await client.submitOrder!({ accountId: "A", marketId: "M", orders: [] });
 * assert.equal(metrics.orderRoundTrip.count, 1);
 * ```
 */
export function measuredClient(
  client: WorkflowClient,
  collectors: readonly SessionMetrics[],
): WorkflowClient {
  const mark = (kind: "market_depth" | "market_by_order" | "account", id: string) => {
    for (const c of collectors) c.subscribed(kind, id);
  };
  const time = <T>(request: Promise<T>): Promise<T> => {
    for (const c of collectors) c.measureOrder(request);
    return request;
  };
  const wrappers: Partial<Record<keyof WorkflowClient, (fn: _Fn) => _Fn>> = {
    subscribeMarket: (fn) => (s: { marketId: string }, ...rest: unknown[]) => {
      const result = fn(s, ...rest);
      mark("market_depth", s.marketId);
      return result;
    },
    subscribeMarketByOrder: (fn) => (m: { marketId: string }, ...rest: unknown[]) => {
      const result = fn(m, ...rest);
      mark("market_by_order", m.marketId);
      return result;
    },
    subscribeAccount: (fn) => (s: { accountId: string }, ...rest: unknown[]) => {
      const result = fn(s, ...rest);
      mark("account", s.accountId);
      return result;
    },
    submitOrder: (fn) => (...args: unknown[]) => time(fn(...args) as Promise<unknown>),
    reviseOrder: (fn) => (...args: unknown[]) => time(fn(...args) as Promise<unknown>),
    pullOrder: (fn) => (...args: unknown[]) => time(fn(...args) as Promise<unknown>),
    submitBatch: (fn) => (...args: unknown[]) => time(fn(...args) as Promise<unknown>),
  };
  const cache = new Map<PropertyKey, unknown>();
  // Every property reads from the client itself (so getters and #private fields work); methods
  // are bound to it, and the subscribe and order methods are wrapped.
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== "function") return value;
      let bound = cache.get(property);
      if (bound === undefined) {
        const fn = (value as _Fn).bind(target);
        const wrap = wrappers[property as keyof WorkflowClient];
        bound = wrap ? wrap(fn) : fn;
        cache.set(property, bound);
      }
      return bound;
    },
  });
}

// deno-lint-ignore no-explicit-any
type _Fn = (...args: any[]) => unknown;
