/**
 * `SubscriptionRegistry`: the subscriptions a `T4Client` replays after every re-login, kept as
 * the exact encoded frames last requested.
 *
 * @module
 */

/** Identifies a market. */
export interface MarketRef {
  /** Exchange id, e.g. `"CME_Eq"`. */
  exchangeId: string;
  /** Contract id, e.g. `"ES"`. */
  contractId: string;
  /** Market id. */
  marketId: string;
}

/** The kinds of subscription the registry keeps. */
export type SubscriptionKind = "market_depth" | "market_by_order" | "account";

/**
 * The active subscriptions, one per market (per kind) or account, each as the exact frame last
 * sent for it. A new subscribe frame for the same market or account replaces the old one (so a
 * changed buffer or depth is replayed as last requested); an unsubscribe removes it. Frames are
 * replayed in the order their subscriptions were first made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SubscriptionRegistry } from "./subscription_registry.ts";
 *
 * const registry = new SubscriptionRegistry();
 * const es = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };
 * registry.setMarket("market_depth", es, new Uint8Array([1]));
 * registry.setMarket("market_depth", es, new Uint8Array([2]));
 * registry.setAccount("A1", new Uint8Array([3]));
 * assert.deepEqual([...registry.frames()].map((f) => f[0]), [2, 3]);
 * registry.deleteMarket("market_depth", es);
 * assert.equal(registry.size, 1);
 * assert.equal(registry.forget("account", "A1"), true);
 * assert.equal(registry.size, 0);
 * ```
 */
export class SubscriptionRegistry {
  readonly #frames = new Map<string, Uint8Array<ArrayBuffer>>();
  readonly #ids = new Map<string, { kind: SubscriptionKind; id: string }>();

  /** The number of active subscriptions. */
  get size(): number {
    return this.#frames.size;
  }

  /**
   * Records the frame last sent to subscribe to a market.
   *
   * @param kind `"market_depth"` or `"market_by_order"`.
   * @param market The market.
   * @param frame The encoded subscribe frame, replayed as is.
   */
  setMarket(
    kind: Exclude<SubscriptionKind, "account">,
    market: MarketRef,
    frame: Uint8Array<ArrayBuffer>,
  ): void {
    const key = _marketKey(kind, market);
    this.#frames.set(key, frame);
    this.#ids.set(key, { kind, id: market.marketId });
  }

  /**
   * The frame last recorded for a market subscription.
   *
   * @param kind `"market_depth"` or `"market_by_order"`.
   * @param market The market.
   * @returns The frame, or `undefined` when not subscribed.
   */
  marketFrame(
    kind: Exclude<SubscriptionKind, "account">,
    market: MarketRef,
  ): Uint8Array<ArrayBuffer> | undefined {
    return this.#frames.get(_marketKey(kind, market));
  }

  /**
   * The frame last recorded for an account subscription.
   *
   * @param accountId The account id.
   * @returns The frame, or `undefined` when not subscribed.
   */
  accountFrame(accountId: string): Uint8Array<ArrayBuffer> | undefined {
    return this.#frames.get(`account:${accountId}`);
  }

  /**
   * Forgets a market subscription.
   *
   * @param kind `"market_depth"` or `"market_by_order"`.
   * @param market The market.
   * @returns Whether it was active.
   */
  deleteMarket(kind: Exclude<SubscriptionKind, "account">, market: MarketRef): boolean {
    const key = _marketKey(kind, market);
    this.#ids.delete(key);
    return this.#frames.delete(key);
  }

  /**
   * Records the frame last sent to subscribe to an account.
   *
   * @param accountId The account id.
   * @param frame The encoded subscribe frame, replayed as is.
   */
  setAccount(accountId: string, frame: Uint8Array<ArrayBuffer>): void {
    this.#frames.set(`account:${accountId}`, frame);
    this.#ids.set(`account:${accountId}`, { kind: "account", id: accountId });
  }

  /**
   * Forgets an account subscription.
   *
   * @param accountId The account id.
   * @returns Whether it was active.
   */
  deleteAccount(accountId: string): boolean {
    this.#ids.delete(`account:${accountId}`);
    return this.#frames.delete(`account:${accountId}`);
  }

  /**
   * The frames to replay, in the order the subscriptions were first made.
   *
   * @returns The frames (the very bytes recorded).
   */
  frames(): IterableIterator<Uint8Array<ArrayBuffer>> {
    return this.#frames.values();
  }

  /**
   * The subscriptions to replay with what each is about, in the order they were first made.
   *
   * @returns `{ kind, id, frame }` per subscription (`id`: the market or account id).
   */
  *entries(): IterableIterator<
    { kind: SubscriptionKind; id: string; frame: Uint8Array<ArrayBuffer> }
  > {
    for (const [key, frame] of this.#frames) {
      const { kind, id } = this.#ids.get(key)!;
      yield { kind, id, frame };
    }
  }

  /**
   * Forgets every subscription of a kind to a market id (whatever its exchange and contract) or
   * an account id: what a refusal, which names only that id, takes back.
   *
   * @param kind The kind.
   * @param id The market or account id.
   * @returns Whether any was active.
   */
  forget(kind: SubscriptionKind, id: string): boolean {
    let found = false;
    for (const [key, entry] of this.#ids) {
      if (entry.kind === kind && entry.id === id) {
        this.#ids.delete(key);
        this.#frames.delete(key);
        found = true;
      }
    }
    return found;
  }

  /** Forgets every subscription. */
  clear(): void {
    this.#frames.clear();
    this.#ids.clear();
  }
}

function _marketKey(kind: string, m: MarketRef): string {
  return `${kind}:${m.exchangeId}\u0000${m.contractId}\u0000${m.marketId}`;
}
