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

/** Options of a status stream (see `T4Client.status()`). */
export interface StatusStreamOptions {
  /**
   * Include `heartbeat_sent` and `heartbeat_received` events.
   *
   * @default {false}
   */
  heartbeats?: boolean;
  /**
   * Most events held for a reader that does not keep up; beyond it the oldest are dropped and the
   * reader gets one `events_dropped` event with their count before the next event.
   *
   * @default {1000}
   */
  maxBuffered?: number;
}

class _StatusQueue implements AsyncIterator<StatusEvent> {
  #buffer: StatusEvent[] = [];
  #head = 0;
  #dropped = 0;
  #droppedAt = 0;
  #waiter: ((result: IteratorResult<StatusEvent>) => void) | undefined;
  #done = false;
  readonly #heartbeats: boolean;
  readonly #max: number;
  constructor(
    private readonly detach: (queue: _StatusQueue) => void,
    options: StatusStreamOptions,
  ) {
    this.#heartbeats = options.heartbeats === true;
    const max = options.maxBuffered ?? 1000;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot stream status events as 'maxBuffered' must be an integer >= 1: current value is ${max}`,
      );
    }
    this.#max = max;
  }

  push(event: StatusEvent): void {
    if (this.#done) return;
    if (!this.#heartbeats && event.type.startsWith("heartbeat_")) return;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter({ value: event, done: false });
    } else {
      if (this.#buffer.length - this.#head >= this.#max) {
        if (this.#dropped === 0) this.#droppedAt = this.#buffer[this.#head]!.at;
        this.#head++;
        this.#dropped++;
      }
      this.#buffer.push(event);
      if (this.#head > 1024 && this.#head * 2 > this.#buffer.length) {
        this.#buffer = this.#buffer.slice(this.#head);
        this.#head = 0;
      }
    }
    if (event.type === "closed") this.end();
  }

  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.detach(this);
    if (this.#waiter && this.#buffer.length === this.#head) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<StatusEvent>> {
    if (this.#dropped > 0) {
      const count = this.#dropped;
      this.#dropped = 0;
      return Promise.resolve({
        value: { type: "events_dropped", at: this.#droppedAt, count },
        done: false,
      });
    }
    if (this.#head < this.#buffer.length) {
      const event = this.#buffer[this.#head++]!;
      if (this.#head === this.#buffer.length) {
        this.#buffer = [];
        this.#head = 0;
      }
      return Promise.resolve({ value: event, done: false });
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  return(): Promise<IteratorResult<StatusEvent>> {
    this.#buffer = [];
    this.#head = 0;
    this.#dropped = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }
}

/**
 * Fans lifecycle events out to listeners (called synchronously, a throwing one is logged, every
 * event) and to streams (each from the moment it was created, buffered until read up to
 * `maxBuffered` events, dropping the oldest and reporting how many with one `events_dropped`
 * event; heartbeat events only when asked for). After a `closed` event every stream ends and new
 * streams are empty.
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
 * fanout.emit({ type: "heartbeat_sent", at: 0, timestamp: 0 });
 * fanout.emit({ type: "stale", at: 0, silentMs: 100 });
 * fanout.emit({ type: "closed", at: 1, reason: "done" });
 * const streamed: string[] = [];
 * for await (const e of stream) streamed.push(e.type);
 * assert.deepEqual(streamed, ["stale", "closed"]);
 * assert.deepEqual(seen, ["heartbeat_sent", "stale", "closed"]);
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
   * @param options Heartbeat events and the buffer bound.
   * @returns The stream.
   * @throws {RangeError} When `maxBuffered` is not an integer >= 1.
   */
  stream(options: StatusStreamOptions = {}): AsyncIterable<StatusEvent> {
    const queue = new _StatusQueue((q) => this.#queues.delete(q), options);
    if (this.#closed) queue.end();
    else this.#queues.add(queue);
    return { [Symbol.asyncIterator]: () => queue };
  }
}
