/**
 * What `expect`, `capture` and `watch` steps see of the session's messages: every
 * `ServerMessage` payload is numbered and kept in a small per-case buffer (so a step also sees the
 * answers to the step before it), waiters are woken per message, and watches judge each message
 * and their staleness windows on the run's `Clock`.
 *
 * @module
 */

import type { Message } from "@bufbuild/protobuf";
import type { Clock } from "../runtime/clock.ts";
import type { Session } from "../client/session.ts";
import { type CompiledCelExpression, evaluateCel, evaluateCelCondition } from "./cel_expression.ts";
import { celPayloadCases } from "./cel_payload.ts";
import { type CelPlainValue, celToPlain } from "./cel_value.ts";
import { formatDuration } from "./duration.ts";

/** The part of the client the hub listens to. */
export interface MessageSource {
  /**
   * Registers a payload handler.
   *
   * @param payloadCase The protobuf-es case name, e.g. `marketDepth`.
   * @param handler Receives the payload.
   * @returns The function that removes the handler.
   */
  on(payloadCase: never, handler: (value: never) => void): () => void;
}

interface _Entry {
  readonly seq: number;
  readonly value: Message;
}

interface _Waiter {
  readonly caseName: string;
  readonly test: (value: Message) => boolean;
  readonly cancel: () => void;
}

/** A watch as the runner registers it. */
export interface WatchDefinition {
  /** The event it raises. */
  readonly name: string;
  /** The protobuf-es case name of the messages it looks at. */
  readonly caseName: string;
  /** The proto name, for messages. */
  readonly protoName: string;
  /** Which messages count (absent: all). */
  readonly where: CompiledCelExpression | undefined;
  /** What every counted message must satisfy. */
  readonly condition: CompiledCelExpression | undefined;
  /** Describes a violating message (absent: the condition's text). */
  readonly detail?: CompiledCelExpression | undefined;
  /** A counted message must arrive at least this often, in milliseconds. */
  readonly withinMs: number | undefined;
  /** `hold`: ends with the next hold step; `run`: lasts the whole run. */
  readonly during: "hold" | "run";
  /** A violation fails the running step at once. */
  readonly fail: boolean;
  /** Violations only alert and are reported: they never fail the run. */
  readonly informational?: boolean;
}

/** A watch's state for the report. */
export interface WatchReport {
  /** The watch's name (its event). */
  readonly name: string;
  /** How many times it went from holding to violated. */
  readonly violations: number;
  /** Messages it judged. */
  readonly checked: number;
  /** The last violation's detail. */
  readonly last_violation?: string;
  /** Violations only alert (`informational: true`): they do not fail the run. */
  readonly informational?: boolean;
}

interface _Watch {
  readonly def: WatchDefinition;
  violated: boolean;
  violations: number;
  checked: number;
  lastViolation: string | undefined;
  timer: unknown;
  active: boolean;
}

const _BUFFER = 256;

/**
 * Numbers, buffers and dispatches the session's messages for workflow steps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { MarketDepthSchema } from "../protocol/proto.ts";
 * import { FakeClock } from "../runtime/clock.ts";
 * import { MessageHub } from "./message_hub.ts";
 *
 * const handlers = new Map<string, (value: unknown) => void>();
 * const hub = new MessageHub(new FakeClock(0), () => ({}), () => undefined, () => {});
 * hub.attach({ on: ((c: string, h: (v: unknown) => void) => { handlers.set(c, h); return () => {}; }) as never });
 * handlers.get("marketDepth")?.(create(MarketDepthSchema, { marketId: "ES" }));
 * assert.equal(hub.seq, 1);
 * ```
 */
export class MessageHub {
  readonly #buffers = new Map<string, _Entry[]>();
  readonly #waiters = new Set<_Waiter>();
  readonly #watches: _Watch[] = [];
  readonly #clock: Clock;
  readonly #vars: () => Readonly<Record<string, unknown>>;
  readonly #session: () => Session | undefined;
  readonly #onViolation: (watch: WatchDefinition, detail: string) => void;
  readonly #detach: (() => void)[] = [];
  /** Messages received per payload case (proto name), since the hub was created. */
  readonly #totals = new Map<string, number>();
  readonly #protoNames = new Map<string, string>();
  #seq = 0;

  /**
   * Creates a hub with no watches and no waiters.
   *
   * @param clock The run's clock (staleness windows).
   * @param vars The current variables.
   * @param session The current session.
   * @param onViolation Called when a watch goes from holding to violated.
   */
  constructor(
    clock: Clock,
    vars: () => Readonly<Record<string, unknown>>,
    session: () => Session | undefined,
    onViolation: (watch: WatchDefinition, detail: string) => void,
  ) {
    this.#clock = clock;
    this.#vars = vars;
    this.#session = session;
    this.#onViolation = onViolation;
  }

  /** The number of the last message received (0 before any). */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Listens to every payload case of a client.
   *
   * @param source The client.
   */
  attach(source: MessageSource): void {
    for (const { caseName, protoName } of celPayloadCases()) {
      this.#protoNames.set(caseName, protoName);
      const on = source.on as unknown as (
        c: string,
        h: (value: Message) => void,
      ) => () => void;
      this.#detach.push(on.call(source, caseName, (value) => this.#receive(caseName, value)));
    }
  }

  #receive(caseName: string, value: Message): void {
    const entry = { seq: ++this.#seq, value };
    const protoName = this.#protoNames.get(caseName) ?? caseName;
    this.#totals.set(protoName, (this.#totals.get(protoName) ?? 0) + 1);
    let buffer = this.#buffers.get(caseName);
    if (!buffer) this.#buffers.set(caseName, buffer = []);
    buffer.push(entry);
    if (buffer.length > _BUFFER) buffer.shift();
    for (const waiter of this.#waiters) {
      if (waiter.caseName === caseName && waiter.test(value)) this.#waiters.delete(waiter);
    }
    for (const watch of this.#watches) {
      if (watch.active && watch.def.caseName === caseName) this.#judge(watch, value);
    }
  }

  /**
   * How many messages of each payload case (proto name, e.g. `market_depth`) arrived so far.
   *
   * @returns A copy of the counters.
   */
  counts(): Map<string, number> {
    return new Map(this.#totals);
  }

  /**
   * The last message of a case received after `sinceSeq`.
   *
   * @param caseName The protobuf-es case name.
   * @param sinceSeq Only messages numbered above this count.
   * @returns The message, or `undefined` when none arrived.
   */
  last(caseName: string, sinceSeq: number): Message | undefined {
    const entry = this.#buffers.get(caseName)?.at(-1);
    return entry && entry.seq > sinceSeq ? entry.value : undefined;
  }

  /**
   * Waits for the first message of a case, received after `sinceSeq`, that `match` accepts.
   * `match` returns `true` (found), `false` (keep waiting) or an `Error` (stop with it).
   *
   * @param caseName The protobuf-es case name.
   * @param sinceSeq Only messages numbered above this count.
   * @param match Judges each message.
   * @param timeoutMs How long to wait.
   * @param abort Rejects the wait early (interruption, session end).
   * @returns The message, or `undefined` on timeout.
   * @throws {Error} The error `match` returned.
   */
  wait(
    caseName: string,
    sinceSeq: number,
    match: (value: Message) => boolean | Error,
    timeoutMs: number,
    abort: Promise<never>,
  ): Promise<Message | undefined> {
    for (const entry of this.#buffers.get(caseName) ?? []) {
      if (entry.seq <= sinceSeq) continue;
      const result = match(entry.value);
      if (result instanceof Error) return Promise.reject(result);
      if (result) return Promise.resolve(entry.value);
    }
    return new Promise<Message | undefined>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#waiters.delete(waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter: _Waiter = {
        caseName,
        cancel: () => {
          this.#clock.clearTimeout(timer);
          resolve(undefined);
        },
        test: (value) => {
          const result = match(value);
          if (result === false) return false;
          this.#clock.clearTimeout(timer);
          if (result instanceof Error) reject(result);
          else resolve(value);
          return true;
        },
      };
      this.#waiters.add(waiter);
      abort.catch((error) => {
        if (!this.#waiters.delete(waiter)) return;
        this.#clock.clearTimeout(timer);
        reject(error);
      });
    });
  }

  /**
   * Starts a watch.
   *
   * @param def The watch.
   */
  watch(def: WatchDefinition): void {
    const watch: _Watch = {
      def,
      violated: false,
      violations: 0,
      checked: 0,
      lastViolation: undefined,
      timer: undefined,
      active: true,
    };
    this.#watches.push(watch);
    this.#arm(watch);
  }

  #arm(watch: _Watch): void {
    const within = watch.def.withinMs;
    if (within === undefined || !watch.active) return;
    if (watch.timer !== undefined) this.#clock.clearTimeout(watch.timer);
    watch.timer = this.#clock.setTimeout(() => {
      watch.timer = undefined;
      this.#violate(
        watch,
        `no ${watch.def.protoName}${
          watch.def.where ? ` matching ${watch.def.where.source}` : ""
        } for ${formatDuration(within)}`,
      );
    }, within);
  }

  #judge(watch: _Watch, value: Message): void {
    const input = { msg: value, vars: this.#vars(), session: this.#session() };
    if (watch.def.where) {
      const where = evaluateCelCondition(watch.def.where, input);
      if (!where.ok) {
        this.#violate(watch, `where failed: ${where.error.message}`);
        return;
      }
      if (!where.value) return;
    }
    watch.checked++;
    if (watch.def.condition) {
      const result = evaluateCelCondition(watch.def.condition, input);
      if (!result.ok) {
        this.#violate(watch, `condition failed: ${result.error.message}`);
        this.#arm(watch);
        return;
      }
      if (!result.value) {
        this.#violate(watch, this.#describe(watch, input));
        this.#arm(watch);
        return;
      }
    }
    watch.violated = false;
    this.#arm(watch);
  }

  #describe(watch: _Watch, input: Parameters<typeof evaluateCel>[1]): string {
    const fallback = `${watch.def.condition?.source} is false`;
    if (!watch.def.detail) return fallback;
    const result = evaluateCel(watch.def.detail, input);
    if (!result.ok) return fallback;
    const plain = celToPlain(result.value);
    return typeof plain === "string" ? plain : JSON.stringify(plain);
  }

  #violate(watch: _Watch, detail: string): void {
    if (watch.violated || !watch.active) return;
    watch.violated = true;
    watch.violations++;
    watch.lastViolation = detail;
    this.#onViolation(watch.def, detail);
  }

  /**
   * Ends watches: those that last until the end of a hold (`"hold"`), or all.
   *
   * @param scope Which watches end.
   */
  end(scope: "hold" | "all"): void {
    for (const watch of this.#watches) {
      if (!watch.active || (scope === "hold" && watch.def.during !== "hold")) continue;
      watch.active = false;
      if (watch.timer !== undefined) this.#clock.clearTimeout(watch.timer);
      watch.timer = undefined;
    }
  }

  /** Stops listening, ends every watch and every wait (which resolves with `undefined`). */
  close(): void {
    this.end("all");
    for (const waiter of this.#waiters) waiter.cancel();
    this.#waiters.clear();
    for (const detach of this.#detach.splice(0)) detach();
  }

  /**
   * Summarizes each watch (messages checked, violations, last violation) for the run report.
   *
   * @returns Each watch's counts, for the report.
   */
  reports(): WatchReport[] {
    return this.#watches.map((w) => ({
      name: w.def.name,
      violations: w.violations,
      checked: w.checked,
      ...(w.lastViolation !== undefined && { last_violation: w.lastViolation }),
      ...(w.def.informational === true && { informational: true }),
    }));
  }
}

/**
 * Evaluates capture expressions against a message into plain, JSON-safe values.
 *
 * @param captures Variable names and their compiled expressions.
 * @param input `msg`, `session`, `vars`.
 * @returns The values, or the first evaluation error (with the variable name).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { MarketDepthSchema } from "../protocol/proto.ts";
 * import { compileCelExpression } from "./cel_expression.ts";
 * import { evaluateCaptures } from "./message_hub.ts";
 *
 * const compiled = compileCelExpression("msg.market_id", { payloadCase: "market_depth" });
 * assert.ok(compiled.ok);
 * const result = evaluateCaptures(new Map([["market", compiled.expression]]), {
 *   msg: create(MarketDepthSchema, { marketId: "ESZ6" }),
 *   vars: {},
 * });
 * assert.deepEqual(result, { ok: true, values: { market: "ESZ6" } });
 * ```
 */
export function evaluateCaptures(
  captures: ReadonlyMap<string, CompiledCelExpression>,
  input: {
    msg?: Message | undefined;
    session?: Session | undefined;
    vars: Record<string, unknown>;
  },
): { ok: true; values: Record<string, CelPlainValue> } | { ok: false; error: Error } {
  const values: Record<string, CelPlainValue> = {};
  for (const [name, compiled] of captures) {
    const result = evaluateCel(compiled, input);
    if (!result.ok) {
      return {
        ok: false,
        error: new Error(`Cannot capture '${name}': ${result.error.message}`, {
          cause: result.error,
        }),
      };
    }
    values[name] = celToPlain(result.value);
  }
  return { ok: true, values };
}
