/**
 * `LatencyHistogram`: durations in milliseconds kept as counts in fixed logarithmic buckets, so
 * percentiles over a whole session cost a fixed 5 KB and recording allocates nothing.
 *
 * @module
 */

/** Bucket 0 holds values below this many milliseconds (including 0). */
const _FLOOR_MS = 0.01;
/** Each bucket's upper bound is this factor above its lower bound (about 1% relative error). */
const _GROWTH = 1.02;
const _LOG_GROWTH = Math.log(_GROWTH);
/** Enough buckets for about 2 days; larger values share the last one (`max` stays exact). */
const _BUCKETS = 1300;

/** Summary statistics of a {@linkcode LatencyHistogram}, in milliseconds. */
export interface LatencySummary {
  /** Number of values recorded. */
  readonly count: number;
  /** Smallest value (0 when empty). */
  readonly min: number;
  /** Largest value (0 when empty). */
  readonly max: number;
  /** Mean (0 when empty). */
  readonly avg: number;
  /** Median. */
  readonly p50: number;
  /** 90th percentile. */
  readonly p90: number;
  /** 95th percentile. */
  readonly p95: number;
  /** 99th percentile. */
  readonly p99: number;
}

/**
 * Durations in fixed logarithmic buckets: `record` is allocation-free, `quantile` is within about
 * 2% of the exact value (and never outside `min`..`max`), `min`, `max`, `count` and `sum` are
 * exact.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LatencyHistogram } from "./latency_histogram.ts";
 *
 * const h = new LatencyHistogram();
 * for (let ms = 1; ms <= 100; ms++) h.record(ms);
 * assert.equal(h.count, 100);
 * assert.equal(h.max, 100);
 * assert.ok(Math.abs(h.quantile(0.95) - 95) <= 95 * 0.02);
 * assert.equal(h.summary().p50 <= 51, true);
 * ```
 */
export class LatencyHistogram {
  readonly #buckets = new Uint32Array(_BUCKETS);
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  /** Number of values recorded. */
  get count(): number {
    return this.#count;
  }

  /** Sum of the values recorded, in milliseconds. */
  get sum(): number {
    return this.#sum;
  }

  /** Smallest value recorded (0 when empty). */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  /** Largest value recorded (0 when empty). */
  get max(): number {
    return this.#count === 0 ? 0 : this.#max;
  }

  /**
   * Records one duration. Negative values (a clock that went back) count as 0; `NaN` and
   * infinities are ignored.
   *
   * @param ms The duration in milliseconds.
   */
  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const value = ms < 0 ? 0 : ms;
    this.#count++;
    this.#sum += value;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
    let index = 0;
    if (value >= _FLOOR_MS) {
      index = 1 + Math.floor(Math.log(value / _FLOOR_MS) / _LOG_GROWTH);
      if (index >= _BUCKETS) index = _BUCKETS - 1;
    }
    this.#buckets[index]!++;
  }

  /**
   * The value below which a fraction `q` of the recorded values lie (nearest rank), within
   * about 2%.
   *
   * @param q The fraction, 0 to 1 (0.95 for p95).
   * @returns The value in milliseconds (0 when empty).
   * @throws {RangeError} When `q` is not within 0 and 1.
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) {
      throw new RangeError(`Cannot compute a quantile as 'q' must be within 0 and 1: got ${q}`);
    }
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    if (rank >= this.#count) return this.#max;
    let seen = 0;
    for (let i = 0; i < _BUCKETS; i++) {
      seen += this.#buckets[i]!;
      if (seen >= rank) {
        const upper = i === 0 ? this.#min : _FLOOR_MS * _GROWTH ** i;
        return Math.min(this.#max, Math.max(this.#min, upper));
      }
    }
    return this.#max;
  }

  /**
   * Count, min, max, mean and the usual percentiles, rounded to 0.01 ms.
   *
   * @returns The summary.
   */
  summary(): LatencySummary {
    const round = (ms: number) => Math.round(ms * 100) / 100;
    return {
      count: this.#count,
      min: round(this.min),
      max: round(this.max),
      avg: round(this.#count === 0 ? 0 : this.#sum / this.#count),
      p50: round(this.quantile(0.5)),
      p90: round(this.quantile(0.9)),
      p95: round(this.quantile(0.95)),
      p99: round(this.quantile(0.99)),
    };
  }
}
