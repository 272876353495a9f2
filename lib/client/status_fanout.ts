/**
 * `StatusFanout`: delivers a `T4Client`'s lifecycle events to synchronous listeners and to any
 * number of independent async-iterable streams, each ending after the `closed` event.
 *
 * @module
 */

import type { StatusEvent } from "./status_event.ts";

/** Where a throwing listener is reported (a LogTape logger fits). */
export interface StatusFanoutLog {
  /**
   * Reports a listener that threw.
   *
   * @param message The message template.
   * @param properties `{ error }`.
   */
  error(message: string, properties: { error: unknown }): void;
}

class _StatusQueue implements AsyncIterator<StatusEvent> {
  #buffer: StatusEvent[] = [];
  #waiter: ((result: IteratorResult<StatusEvent>) => void) | undefined;
  #done = false;
  constructor(private readonly detach: (queue: _StatusQueue) => void) {}

  push(event: StatusEvent): void {
    if (this.#done) return;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter({ value: event, done: false });
    } else this.#buffer.push(event);
    if (event.type === "closed") this.end();
  }

  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.detach(this);
    if (this.#waiter && this.#buffer.length === 0) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<StatusEvent>> {
    const event = this.#buffer.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  return(): Promise<IteratorResult<StatusEvent>> {
    this.#buffer.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }
}

/**
 * Fans lifecycle events out to listeners (called synchronously, a throwing one is logged) and to
 * streams (buffered until read, each from the moment it was created). After a `closed` event
 * every stream ends and new streams are empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StatusFanout } from "./status_fanout.ts";
 *
 * const fanout = new StatusFanout({ error: () => {} });
 * const seen: string[] = [];
 * fanout.listen((e) => seen.push(e.type));
 * const stream = fanout.stream();
 * fanout.emit({ type: "stale", at: 0, silentMs: 100 });
 * fanout.emit({ type: "closed", at: 1, reason: "done" });
 * const streamed: string[] = [];
 * for await (const e of stream) streamed.push(e.type);
 * assert.deepEqual(streamed, ["stale", "closed"]);
 * assert.deepEqual(seen, ["stale", "closed"]);
 * ```
 */
export class StatusFanout {
  readonly #log: StatusFanoutLog;
  readonly #listeners = new Set<(event: StatusEvent) => void>();
  readonly #queues = new Set<_StatusQueue>();
  #closed = false;

  /**
   * Creates a fan-out with no listeners or streams.
   *
   * @param log Where a throwing listener is reported.
   */
  constructor(log: StatusFanoutLog) {
    this.#log = log;
  }

  /**
   * Delivers an event to every listener and stream.
   *
   * @param event The event.
   */
  emit(event: StatusEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#log.error("A status listener threw: {error}", { error });
      }
    }
    for (const queue of this.#queues) queue.push(event);
    if (event.type === "closed") {
      this.#closed = true;
      for (const queue of [...this.#queues]) queue.end();
    }
  }

  /**
   * Adds a synchronous listener.
   *
   * @param listener The listener.
   * @returns A function that removes it.
   */
  listen(listener: (event: StatusEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * A new stream of the events from now on, ending after `closed` (empty once closed).
   *
   * @returns The stream.
   */
  stream(): AsyncIterable<StatusEvent> {
    const queue = new _StatusQueue((q) => this.#queues.delete(q));
    if (this.#closed) queue.end();
    else this.#queues.add(queue);
    return { [Symbol.asyncIterator]: () => queue };
  }
}
