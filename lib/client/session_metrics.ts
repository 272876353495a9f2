/**
 * `SessionMetrics`: the numbers of a T4 session (logins and their duration, reconnects,
 * disconnects, time disconnected, heartbeats, frames per payload, time to the first message of
 * each subscription, quote inter-arrival per market, order round trips), collected from a
 * `T4Client`'s public `onStatus` and `on(...)` APIs, for scripts that export them their own way.
 *
 * @module
 */

import { type Clock, systemClock } from "../runtime/clock.ts";
import { SERVER_MESSAGE_PAYLOAD_CASES } from "../protocol/gen/t4/v1/service_t4fast.ts";
import { loginResultName } from "../protocol/login_result.ts";
import { LoginResult } from "../protocol/gen/t4/v1/enums_t4fast.ts";
import { LatencyHistogram, type LatencySummary } from "./latency_histogram.ts";
import type { DisconnectReason, StatusEvent } from "./status_event.ts";
import type { PayloadHandler, ServerPayloadCase } from "./t4_client.ts";

/** The part of a `T4Client` that {@linkcode SessionMetrics.observe} uses. */
export interface ObservableClient {
  /** Lifecycle events, synchronously. */
  onStatus(listener: (event: StatusEvent) => void): () => void;
  /** Payload handlers; without it only status events are counted. */
  on?<C extends ServerPayloadCase>(payloadCase: C, handler: PayloadHandler<C>): () => void;
}

/** A subscription kind, for {@linkcode SessionMetrics.subscribed}. */
export type SubscriptionMetricKind = "market_depth" | "market_by_order" | "account";

/** A named duration series that {@linkcode SessionMetrics.onSample} reports. */
export type SessionSampleName =
  | "login_time"
  | "first_message"
  | "quote_gap"
  | "order_round_trip";

/** The numbers of a session, JSON-ready (durations in milliseconds). */
export interface SessionMetricsSnapshot {
  /** Logged in right now. */
  readonly connected: boolean;
  /** Login responses by result short name (`LOGIN_SUCCESS`, `LOCKED_OUT`, ...). */
  readonly logins: Readonly<Record<string, number>>;
  /** Time from opening the socket to a successful login response. */
  readonly login_time: LatencySummary;
  /** Successful re-logins after a drop. */
  readonly reconnects: number;
  /** Unexpected disconnects of a logged-in session, by reason. */
  readonly disconnects: Readonly<Record<string, number>>;
  /** Time spent disconnected after a logged-in session dropped, until logged in again. */
  readonly disconnected_ms: number;
  /** Heartbeats sent. */
  readonly heartbeats_sent: number;
  /** Heartbeats received. */
  readonly heartbeats_received: number;
  /** Frames received by payload (`market_depth`, `heartbeat`, ...); only payloads seen. */
  readonly frames: Readonly<Record<string, number>>;
  /** Frames skipped as undecodable. */
  readonly frame_errors: number;
  /** Time since the last frame, or `null` before the first. */
  readonly last_message_age_ms: number | null;
  /**
   * Time to the first message of each subscription (`market_depth:MARKET`,
   * `market_by_order:MARKET`, `account:ID`), from the subscribe (or the login).
   */
  readonly first_message_ms: Readonly<Record<string, number>>;
  /** Per market: quotes received, inter-arrival summary, and age of the last quote. */
  readonly quotes: Readonly<
    Record<
      string,
      { readonly count: number; readonly gap: LatencySummary; readonly age_ms: number }
    >
  >;
  /** Order requests from sending to their first answer. */
  readonly order_round_trip: LatencySummary;
}

/** Options of {@linkcode SessionMetrics}. */
export interface SessionMetricsOptions {
  /**
   * The clock (use the client's).
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

const _PAYLOADS: readonly { readonly local: ServerPayloadCase; readonly name: string }[] =
  SERVER_MESSAGE_PAYLOAD_CASES;
const _SUCCESS = loginResultName(LoginResult.SUCCESS);

/** One market's quotes. */
class _Quotes {
  lastAt = 0;
  count = 0;
  /** Whether the first message of this market's depth / by-order subscription was timed. */
  depthSeen = false;
  byOrderSeen = false;
  readonly gaps = new LatencyHistogram();
}

/**
 * Collects the numbers of one or more sessions (attach it to each client in turn; every counter
 * keeps counting across them). Recording allocates nothing per frame: counters are numbers and
 * typed arrays, durations go into {@linkcode LatencyHistogram}s, and the time is read once per
 * frame (for the age of the last message and quote inter-arrival) from `performance.now()` with
 * the system clock, as `Date.now()` allocates a number on every call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { T4Client } from "./t4_client.ts";
 * import { SessionMetrics } from "./session_metrics.ts";
 * import { startSimulator } from "../sim/mod.ts";
 *
 * await using sim = await startSimulator({ seed: 1 });
 * await using client = new T4Client({ url: sim.url, auth: { apiKey: "demo-api-key" } });
 * const metrics = new SessionMetrics();
 * metrics.observe(client);
 * await client.connect();
 * const snapshot = metrics.snapshot();
 * assert.equal(snapshot.connected, true);
 * assert.equal(snapshot.logins.LOGIN_SUCCESS, 1);
 * assert.equal(snapshot.login_time.count, 1);
 * ```
 */
export class SessionMetrics {
  readonly #clock: Clock;
  readonly #frames = new Float64Array(_PAYLOADS.length);
  readonly #logins = new Map<string, number>();
  readonly #disconnects = new Map<DisconnectReason, number>();
  readonly #loginTime = new LatencyHistogram();
  readonly #orderRoundTrip = new LatencyHistogram();
  readonly #quotes = new Map<string, _Quotes>();
  readonly #firstMessage = new Map<string, number>();
  readonly #subscribedAt = new Map<string, number>();
  readonly #accountsSeen = new Set<string>();
  readonly #sampleListeners: ((name: SessionSampleName, ms: number) => void)[] = [];
  #connected = false;
  #connectingAt: number | undefined;
  #connectedAt = 0;
  #disconnectedSince: number | undefined;
  #disconnectedMs = 0;
  #reconnects = 0;
  #heartbeatsSent = 0;
  #heartbeatsReceived = 0;
  #frameErrors = 0;
  /** Time of the last frame (frame time, see `#frameNow`); NaN before the first. */
  readonly #lastFrame = new Float64Array([Number.NaN]);
  /** With the system clock, frame times come from `performance` (no allocation per read). */
  readonly #system: boolean;

  /**
   * Creates an empty collector.
   *
   * @param options The clock.
   */
  constructor(options: SessionMetricsOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#system = this.#clock === systemClock;
  }

  /**
   * Starts collecting from a client: status events and every payload (through `on`).
   *
   * @param client A `T4Client` (or anything with `onStatus` and `on`).
   * @returns A function that stops collecting from it.
   */
  observe(client: ObservableClient): () => void {
    const removers = [client.onStatus((event) => this.#onStatus(event))];
    if (client.on) {
      const on = client.on.bind(client);
      const frames = this.#frames;
      const last = this.#lastFrame;
      const clock = this.#clock;
      const system = this.#system;
      _PAYLOADS.forEach(({ local }, index) => {
        removers.push(on(local, () => {
          frames[index]!++;
          // Inlined #frameNow(): Date.now() would allocate a number on every frame.
          last[0] = system ? performance.timeOrigin + performance.now() : clock.now();
        }));
      });
      removers.push(on("marketDepth", (v) => this.#quote("market_depth", v.marketId)));
      removers.push(on("marketByOrderSnapshot", (v) => this.#quote("market_by_order", v.marketId)));
      removers.push(on("marketByOrderUpdate", (v) => this.#quote("market_by_order", v.marketId)));
      removers.push(on("accountSnapshot", (v) => this.#account(v.accountId)));
      removers.push(on("accountUpdate", (v) => this.#account(v.accountId)));
      removers.push(on("accountDetails", (v) => this.#account(v.accountId)));
    }
    return () => {
      for (const remove of removers) remove();
    };
  }

  /**
   * Notes that a subscription was just requested, so its first message is timed from now rather
   * than from the login.
   *
   * @param kind The subscription kind.
   * @param id The market id (or account id).
   */
  subscribed(kind: SubscriptionMetricKind, id: string): void {
    const key = `${kind}:${id}`;
    if (!this.#firstMessage.has(key)) this.#subscribedAt.set(key, this.#frameNow());
  }

  /**
   * Times an order request from now until the server's first answer: it is recorded when the
   * promise resolves or rejects with the server's refusal (`OrderRejectedError`,
   * `OrderBatchRejectedError`), not when no answer came (timeout, connection lost).
   *
   * @param request The promise of `submitOrder`, `reviseOrder`, `pullOrder` or `submitBatch`.
   * @returns The same promise.
   */
  measureOrder<T>(request: Promise<T>): Promise<T> {
    const start = this.#clock.now();
    const record = () => this.#sample("order_round_trip", this.#orderRoundTrip, start);
    request.then(record, (error: unknown) => {
      const name = (error as { name?: unknown } | null)?.name;
      if (name === "OrderRejectedError" || name === "OrderBatchRejectedError") record();
    });
    return request;
  }

  /**
   * Calls `listener` with every duration recorded (login times, first messages, quote gaps,
   * order round trips), e.g. to feed a Prometheus histogram.
   *
   * @param listener Receives the series name and the duration in milliseconds.
   * @returns A function that removes the listener.
   */
  onSample(listener: (name: SessionSampleName, ms: number) => void): () => void {
    this.#sampleListeners.push(listener);
    return () => {
      const i = this.#sampleListeners.indexOf(listener);
      if (i >= 0) this.#sampleListeners.splice(i, 1);
    };
  }

  /** Logged in right now. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Successful re-logins after a drop. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Heartbeats sent. */
  get heartbeatsSent(): number {
    return this.#heartbeatsSent;
  }

  /** Heartbeats received. */
  get heartbeatsReceived(): number {
    return this.#heartbeatsReceived;
  }

  /** Frames skipped as undecodable. */
  get frameErrors(): number {
    return this.#frameErrors;
  }

  /** Login responses by result short name. */
  get logins(): ReadonlyMap<string, number> {
    return this.#logins;
  }

  /** Unexpected disconnects of a logged-in session, by reason. */
  get disconnects(): ReadonlyMap<string, number> {
    return this.#disconnects;
  }

  /** Login durations (successful logins). */
  get loginTime(): LatencyHistogram {
    return this.#loginTime;
  }

  /** Order round trips. */
  get orderRoundTrip(): LatencyHistogram {
    return this.#orderRoundTrip;
  }

  /** Clock time of the last frame received, if any. */
  get lastMessageAt(): number | undefined {
    const at = this.#lastFrame[0]!;
    return Number.isNaN(at) ? undefined : at;
  }

  /**
   * Frames received per payload name (snake_case, as in the protocol).
   *
   * @returns Pairs of payload name and count, for payloads seen at least once.
   */
  frames(): [payload: string, count: number][] {
    const out: [string, number][] = [];
    _PAYLOADS.forEach(({ name }, i) => {
      const n = this.#frames[i]!;
      if (n > 0) out.push([name, n]);
    });
    return out;
  }

  /**
   * Per market: quote count, inter-arrival histogram and the clock time of the last quote.
   *
   * @returns Entries keyed by market id.
   */
  quotes(): [market: string, quotes: { count: number; gaps: LatencyHistogram; lastAt: number }][] {
    return [...this.#quotes];
  }

  /**
   * Time to the first message of each subscription, keyed `KIND:ID`.
   *
   * @returns The durations in milliseconds.
   */
  firstMessages(): ReadonlyMap<string, number> {
    return this.#firstMessage;
  }

  /**
   * Time spent disconnected (after a logged-in session dropped, until logged in again), up to
   * now when still disconnected.
   *
   * @param now The current clock time.
   * @returns Milliseconds.
   */
  disconnectedMs(now: number = this.#clock.now()): number {
    return this.#disconnectedMs +
      (this.#disconnectedSince === undefined ? 0 : Math.max(0, now - this.#disconnectedSince));
  }

  /**
   * Every number, JSON-ready.
   *
   * @returns The snapshot.
   */
  snapshot(): SessionMetricsSnapshot {
    const now = this.#clock.now();
    const frameNow = this.#frameNow();
    const lastFrame = this.#lastFrame[0]!;
    const quotes: Record<string, { count: number; gap: LatencySummary; age_ms: number }> = {};
    for (const [market, q] of this.#quotes) {
      quotes[market] = { count: q.count, gap: q.gaps.summary(), age_ms: frameNow - q.lastAt };
    }
    return {
      connected: this.#connected,
      logins: Object.fromEntries(this.#logins),
      login_time: this.#loginTime.summary(),
      reconnects: this.#reconnects,
      disconnects: Object.fromEntries(this.#disconnects),
      disconnected_ms: this.disconnectedMs(now),
      heartbeats_sent: this.#heartbeatsSent,
      heartbeats_received: this.#heartbeatsReceived,
      frames: Object.fromEntries(this.frames()),
      frame_errors: this.#frameErrors,
      last_message_age_ms: Number.isNaN(lastFrame) ? null : frameNow - lastFrame,
      first_message_ms: Object.fromEntries(this.#firstMessage),
      quotes,
      order_round_trip: this.#orderRoundTrip.summary(),
    };
  }

  #onStatus(event: StatusEvent): void {
    switch (event.type) {
      case "connecting":
        this.#connectingAt = event.at;
        break;
      case "connected":
        this.#count(this.#logins, _SUCCESS);
        if (this.#connectingAt !== undefined) {
          this.#sample("login_time", this.#loginTime, this.#connectingAt, event.at);
        }
        this.#connectingAt = undefined;
        this.#connected = true;
        this.#connectedAt = this.#frameNow();
        this.#endDisconnected(event.at);
        break;
      case "login_failed":
        this.#count(this.#logins, event.result);
        this.#connectingAt = undefined;
        break;
      case "disconnected":
        if (this.#connected && event.reason !== "client") {
          this.#count(this.#disconnects, event.reason);
          this.#disconnectedSince = event.at;
        }
        this.#connected = false;
        break;
      case "reconnected":
        this.#reconnects++;
        break;
      case "heartbeat_sent":
        this.#heartbeatsSent++;
        break;
      case "heartbeat_received":
        this.#heartbeatsReceived++;
        break;
      case "frame_error":
        this.#frameErrors++;
        this.#lastFrame[0] = this.#frameNow();
        break;
      case "closed":
        this.#connected = false;
        this.#endDisconnected(event.at);
        break;
    }
  }

  /**
   * The time frames are stamped with: the given clock, or with the system clock
   * `performance.timeOrigin + performance.now()` (milliseconds since the epoch, monotonic), which
   * unlike `Date.now()` allocates nothing.
   */
  #frameNow(): number {
    return this.#system ? performance.timeOrigin + performance.now() : this.#clock.now();
  }

  #endDisconnected(at: number): void {
    if (this.#disconnectedSince === undefined) return;
    this.#disconnectedMs += Math.max(0, at - this.#disconnectedSince);
    this.#disconnectedSince = undefined;
  }

  #quote(kind: SubscriptionMetricKind, market: string): void {
    // The frame handler registered first already read the time of this frame.
    const now = this.#lastFrame[0]!;
    let q = this.#quotes.get(market);
    if (q === undefined) {
      q = new _Quotes();
      this.#quotes.set(market, q);
    } else if (q.count > 0) {
      const gap = now - q.lastAt;
      q.gaps.record(gap);
      this.#emitSample("quote_gap", gap);
    }
    q.count++;
    q.lastAt = now;
    if (kind === "market_depth" ? !q.depthSeen : !q.byOrderSeen) {
      if (kind === "market_depth") q.depthSeen = true;
      else q.byOrderSeen = true;
      this.#first(kind, market, now);
    }
  }

  #account(id: string): void {
    if (this.#accountsSeen.has(id)) return;
    this.#accountsSeen.add(id);
    this.#first("account", id, this.#lastFrame[0]!);
  }

  /** Times the first message of a subscription (called once per subscription). */
  #first(kind: SubscriptionMetricKind, id: string, now: number): void {
    const key = `${kind}:${id}`;
    if (this.#firstMessage.has(key)) return;
    const start = this.#subscribedAt.get(key) ?? this.#connectedAt;
    this.#subscribedAt.delete(key);
    const ms = Math.max(0, now - start);
    this.#firstMessage.set(key, ms);
    this.#emitSample("first_message", ms);
  }

  #sample(
    name: SessionSampleName,
    histogram: LatencyHistogram,
    start: number,
    end = this.#clock.now(),
  ): void {
    const ms = Math.max(0, end - start);
    histogram.record(ms);
    this.#emitSample(name, ms);
  }

  #emitSample(name: SessionSampleName, ms: number): void {
    for (const listener of this.#sampleListeners) listener(name, ms);
  }

  #count<K>(map: Map<K, number>, key: K): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}
