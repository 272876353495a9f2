/**
 * `ClientOrders`: a `T4Client`'s order requests (submit, revise, pull, batch) and token
 * requests: each gets its client identity (tags, batch id, request id) before anything is sent,
 * is tracked by the `OrderTracker`, and honours per-call `{ signal, timeoutMs }`. While the
 * client drains, new requests are refused and nothing is sent.
 *
 * @module
 */

import type { AuthenticationToken } from "../protocol/gen/t4/v1/auth/auth_pb.ts";
import type { OrderBatchAcknowledge } from "../protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";
import { clientFrame } from "./client_frame.ts";
import { ClientClosedError, RequestAbortedError } from "./errors.ts";
import type { OrderTracker, OrderUpdateMessage, TrackedRequest } from "./order_tracker.ts";
import { checkTimerMs, requireNonEmpty } from "./request_validation.ts";
import type {
  OrderBatchInit,
  OrderPullInit,
  OrderRequest,
  OrderReviseInit,
  OrderSubmitInit,
  RequestOptions,
} from "./t4_client_types.ts";

/** What the order requests need from the client. */
export interface OrderPort {
  /**
   * Throws unless a session is open (`NotConnectedError`, `ClientClosedError`).
   *
   * @param operation The method name for the error.
   */
  requireOpen(operation: string): void;
  /**
   * Sends a frame.
   *
   * @param frame The frame.
   * @returns Whether it was sent.
   */
  send(frame: Uint8Array<ArrayBuffer>): boolean;
}

/**
 * Builds, tracks and sends a client's order and token requests (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientOrders } from "./client_orders.ts";
 * import { OrderTracker } from "./order_tracker.ts";
 * import { FakeClock } from "../runtime/clock.ts";
 *
 * const clock = new FakeClock(0);
 * const orders = new ClientOrders({ requireOpen() {}, send: () => true }, new OrderTracker(clock, 1000), () => 0.5);
 * const tag = orders.newTag();
 * const pending = orders.submitOrder({ accountId: "A1", marketId: "M1", orders: [{ tag }, {}] });
 * assert.equal(pending.tags[0], tag);
 * assert.equal(pending.tags.length, 2);
 * pending.catch(() => {});
 * await clock.advance(1000);
 * ```
 */
export class ClientOrders {
  readonly #port: OrderPort;
  readonly #tracker: OrderTracker;
  readonly #prefix: string;
  #seq = 0;
  #draining = false;

  /**
   * Creates the order requests of one client.
   *
   * @param port What is needed from the client.
   * @param tracker Correlates the answers.
   * @param random Random source in `[0, 1)` for the tag prefix.
   */
  constructor(port: OrderPort, tracker: OrderTracker, random: () => number) {
    this.#port = port;
    this.#tracker = tracker;
    this.#prefix = `t4f${Math.floor(random() * 36 ** 4).toString(36).padStart(4, "0")}-`;
  }

  /** Refuses every new request from now on (`ClientClosedError` with `draining`). */
  drain(): void {
    this.#draining = true;
  }

  /**
   * A new client tag, unique for this client: put it in an order's `tag` (and your records)
   * before submitting.
   *
   * @returns The tag.
   */
  newTag(): string {
    return `${this.#prefix}${(++this.#seq).toString(36)}`;
  }

  /**
   * Submits orders (see `T4Client.submitOrder`).
   *
   * @param submit The `OrderSubmit`.
   * @param options Per-call timeout and signal.
   * @returns The pending answers, with the orders' tags.
   */
  submitOrder(
    submit: OrderSubmitInit,
    options?: RequestOptions,
  ): OrderRequest<OrderUpdateMessage[]> {
    let tags: string[] = [];
    const answers = this.#request("submitOrder", options, () => {
      // Copies: the tags are added to the frame, never to the caller's objects.
      const orders = (submit.orders ?? []).map((order) => ({ ...order }));
      if (orders.length === 0) {
        throw new TypeError("Cannot submitOrder as 'orders' is empty: add at least one order");
      }
      tags = orders.map((order) => (order.tag ||= this.newTag()));
      const message = { ...submit, orders } as OrderSubmitInit;
      return {
        keys: tags.map((tag) => `tag:${tag}`),
        submission: { accountId: submit.accountId ?? "", marketId: submit.marketId ?? "" },
        frame: clientFrame({ case: "orderSubmit", value: message }),
      };
    });
    return Object.assign(answers as Promise<OrderUpdateMessage[]>, { tags });
  }

  /**
   * Revises orders (see `T4Client.reviseOrder`).
   *
   * @param revise The `OrderRevise`.
   * @param options Per-call timeout and signal.
   * @returns The first revision update (or failure) per `unique_id`.
   */
  reviseOrder(revise: OrderReviseInit, options?: RequestOptions): Promise<OrderUpdateMessage[]> {
    return this.#request("reviseOrder", options, () => {
      const revisions = revise.revisions ?? [];
      if (revisions.length === 0) {
        throw new TypeError("Cannot reviseOrder as 'revisions' is empty: add at least one");
      }
      const keys = revisions.map((r) => {
        requireNonEmpty("reviseOrder", "uniqueId", r.uniqueId ?? "");
        return `rev:${r.uniqueId}`;
      });
      return { keys, frame: clientFrame({ case: "orderRevise", value: revise }) };
    }) as Promise<OrderUpdateMessage[]>;
  }

  /**
   * Pulls orders (see `T4Client.pullOrder`).
   *
   * @param pull The `OrderPull`.
   * @param options Per-call timeout and signal.
   * @returns The first pull update (or failure) per `unique_id`.
   */
  pullOrder(pull: OrderPullInit, options?: RequestOptions): Promise<OrderUpdateMessage[]> {
    return this.#request("pullOrder", options, () => {
      const pulls = pull.pulls ?? [];
      if (pulls.length === 0) {
        throw new TypeError("Cannot pullOrder as 'pulls' is empty: add at least one");
      }
      const keys = pulls.map((p) => {
        requireNonEmpty("pullOrder", "uniqueId", p.uniqueId ?? "");
        return `pull:${p.uniqueId}`;
      });
      return { keys, frame: clientFrame({ case: "orderPull", value: pull }) };
    }) as Promise<OrderUpdateMessage[]>;
  }

  /**
   * Submits an order batch (see `T4Client.submitBatch`).
   *
   * @param batch The `OrderBatch`.
   * @param options Per-call timeout and signal.
   * @returns The server's acknowledgement.
   */
  async submitBatch(
    batch: OrderBatchInit,
    options?: RequestOptions,
  ): Promise<OrderBatchAcknowledge> {
    const [ack] = await this.#request("submitBatch", options, () => {
      if ((batch.submissions ?? []).length === 0) {
        throw new TypeError("Cannot submitBatch as 'submissions' is empty: add at least one");
      }
      // A copy: the batch id is added to the frame, never to the caller's object.
      const message = { ...batch, batchId: batch.batchId || this.newTag() } as OrderBatchInit;
      return {
        keys: [`batch:${message.batchId}`],
        frame: clientFrame({ case: "orderBatch", value: message }),
      };
    });
    return ack as OrderBatchAcknowledge;
  }

  /**
   * Asks the server for an authentication token.
   *
   * @param options Per-call timeout and signal.
   * @returns The server's answer.
   */
  async requestToken(options?: RequestOptions): Promise<AuthenticationToken> {
    const [answer] = await this.#request("authToken", options, () => {
      const requestId = this.newTag();
      return {
        keys: [`token:${requestId}`],
        frame: clientFrame({ case: "authenticationTokenRequest", value: { requestId } }),
      };
    });
    return answer as AuthenticationToken;
  }

  #request(
    operation: string,
    options: RequestOptions | undefined,
    build: () => Omit<TrackedRequest, "operation"> & { frame: Uint8Array<ArrayBuffer> },
  ): Promise<unknown[]> {
    try {
      if (this.#draining) throw new ClientClosedError(operation, { draining: true });
      this.#port.requireOpen(operation);
      const signal = options?.signal;
      if (signal?.aborted) {
        throw new RequestAbortedError(operation, false, { cause: signal.reason });
      }
      const { frame, ...request } = build();
      const answers = this.#tracker.track({
        operation,
        ...request,
        ...(options?.timeoutMs === undefined
          ? {}
          : { timeoutMs: checkTimerMs("timeoutMs", options.timeoutMs, operation) }),
        ...(signal === undefined ? {} : { signal }),
      });
      this.#port.send(frame);
      return answers;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
