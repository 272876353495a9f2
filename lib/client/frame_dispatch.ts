/**
 * `FrameDispatcher`: the frame path of a `T4Client`. Each frame is decoded once, routed to the
 * part that waits for it (login, order and token answers, subscription outcomes) and then to the
 * application's handlers for its payload case. A bad frame is counted, reported and skipped; a
 * throwing handler is logged and the session goes on.
 *
 * @module
 */

import type { Clock } from "../runtime/clock.ts";
import { t4flowLogger } from "../runtime/logger.ts";
import { type DecodeFrameOptions, decodeServerFrame } from "../protocol/frame_codec.ts";
import { FrameError } from "../protocol/frame_error.ts";
import type { LoginResponse } from "../protocol/gen/t4/v1/auth/auth_pb.ts";
import type { ServerMessage } from "../protocol/gen/t4/v1/service_pb.ts";
import type { ClientSubscriptions } from "./client_subscriptions.ts";
import type { OrderTracker } from "./order_tracker.ts";
import type { StatusEvent } from "./status_event.ts";
import type { PayloadHandler, ServerPayloadCase, T4ClientStats } from "./t4_client_types.ts";

/** Where the dispatcher routes what it decodes. */
export interface FrameRoutes {
  /** The live counters. */
  stats: T4ClientStats;
  /** The clock of the events. */
  clock: Clock;
  /** Decoding options (frame size limit). */
  decode: DecodeFrameOptions;
  /** Order and token answers. */
  tracker: OrderTracker;
  /** Subscription outcomes. */
  subscriptions: ClientSubscriptions;
  /**
   * Records that a frame arrived (dead-peer detection).
   */
  received(): void;
  /**
   * A `LoginResponse` arrived.
   *
   * @param response The response.
   */
  loginResponse(response: LoginResponse): void;
  /**
   * Emits a status event.
   *
   * @param event The event.
   */
  emit(event: StatusEvent): void;
}

const _log = t4flowLogger("client");

/**
 * Decodes and dispatches frames (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientSubscriptions } from "./client_subscriptions.ts";
 * import { FrameDispatcher } from "./frame_dispatch.ts";
 * import { OrderTracker } from "./order_tracker.ts";
 * import { encodeServerMessage } from "../protocol/frame_codec.ts";
 * import { FakeClock } from "../runtime/clock.ts";
 *
 * const clock = new FakeClock(0);
 * const dispatcher = new FrameDispatcher({
 *   stats: { reconnects: 0, heartbeatsSent: 0, heartbeatsReceived: 0, frameErrors: 0, framesReceived: 0 },
 *   clock, decode: {}, tracker: new OrderTracker(clock, 1000),
 *   subscriptions: new ClientSubscriptions({ requireOpen() {}, send: () => true, emit() {} }, clock, 1000),
 *   emit() {}, received() {}, loginResponse() {},
 * });
 * const seen: string[] = [];
 * dispatcher.on("marketDetails", (details) => seen.push(details.marketId));
 * dispatcher.dispatch(encodeServerMessage({ payload: { case: "marketDetails", value: { marketId: "M1" } } }).slice().buffer);
 * assert.deepEqual(seen, ["M1"]);
 * ```
 */
export class FrameDispatcher {
  readonly #routes: FrameRoutes;
  readonly #handlers = new Map<string, readonly PayloadHandler<ServerPayloadCase>[]>();

  /**
   * Creates a dispatcher without application handlers.
   *
   * @param routes Where decoded answers go.
   */
  constructor(routes: FrameRoutes) {
    this.#routes = routes;
  }

  /**
   * Registers an application handler (see `T4Client.on`).
   *
   * @param payloadCase The oneof case.
   * @param handler The handler.
   * @returns A function that removes it.
   */
  on<C extends ServerPayloadCase>(payloadCase: C, handler: PayloadHandler<C>): () => void {
    const h = handler as unknown as PayloadHandler<ServerPayloadCase>;
    this.#handlers.set(payloadCase, [...(this.#handlers.get(payloadCase) ?? []), h]);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const list = (this.#handlers.get(payloadCase) ?? []).filter((x) => x !== h);
      if (list.length) this.#handlers.set(payloadCase, list);
      else this.#handlers.delete(payloadCase);
    };
  }

  /**
   * Handles one received frame.
   *
   * @param data The frame data (an `ArrayBuffer`; anything else is a frame error).
   */
  dispatch(data: unknown): void {
    const r = this.#routes;
    r.stats.framesReceived++;
    r.received();
    const message = decodeServerFrame(data as ArrayBuffer, r.decode);
    if (message instanceof FrameError) {
      r.stats.frameErrors++;
      _log.warn("Skipped a bad frame: {message}", {
        kind: message.kind,
        size: message.size,
        message: message.message,
      });
      r.emit({
        type: "frame_error",
        at: r.clock.now(),
        kind: message.kind,
        size: message.size,
        message: message.message,
      });
      return;
    }
    this.#route(message);
    const handlers = this.#handlers.get(message.payload.case ?? "");
    if (handlers === undefined) return;
    for (let i = 0; i < handlers.length; i++) {
      try {
        handlers[i]!(message.payload.value as never, message);
      } catch (error) {
        _log.error("A {case} handler threw; the session goes on: {error}", {
          case: message.payload.case,
          error,
        });
      }
    }
  }

  #route(message: ServerMessage): void {
    const r = this.#routes;
    const payload = message.payload;
    switch (payload.case) {
      case "marketDepth":
      case "marketDetails":
        r.subscriptions.onMarketData("market_depth", payload.value.marketId);
        break;
      case "marketByOrderSnapshot":
      case "marketByOrderUpdate":
        r.subscriptions.onMarketData("market_by_order", payload.value.marketId);
        break;
      case "heartbeat":
        r.stats.heartbeatsReceived++;
        r.emit({
          type: "heartbeat_received",
          at: r.clock.now(),
          timestamp: Number(payload.value.timestamp),
        });
        break;
      case "loginResponse":
        r.loginResponse(payload.value);
        break;
      case "authenticationToken":
        r.tracker.onToken(payload.value);
        break;
      case "orderUpdate":
      case "orderUpdateStatus":
      case "orderUpdateFailed":
        r.tracker.onOrderUpdate(payload.value);
        break;
      case "orderUpdateMulti":
        if (r.tracker.size) {
          for (const update of payload.value.updates) {
            const inner = update.payload;
            if (
              inner.case === "orderUpdate" || inner.case === "orderUpdateStatus" ||
              inner.case === "orderUpdateFailed"
            ) r.tracker.onOrderUpdate(inner.value);
          }
        }
        break;
      case "orderBatchAcknowledge":
        r.tracker.onBatchAcknowledge(payload.value);
        break;
      case "orderBatchReject":
        r.tracker.onBatchReject(payload.value);
        break;
      case "marketDepthSubscribeReject":
        r.subscriptions.onMarketReject("market_depth", payload.value.marketId, payload.value.mode);
        break;
      case "marketByOrderSubscribeReject":
        r.subscriptions.onMarketReject(
          "market_by_order",
          payload.value.marketId,
          payload.value.mode,
        );
        break;
      case "accountSubscribeResponse":
        r.subscriptions.onAccountResponse(payload.value.success, payload.value.errors);
        break;
    }
  }
}
