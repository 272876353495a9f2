/**
 * A small seeded pseudo-random generator (mulberry32), so that the simulator's order books,
 * trades and ids are the same for the same seed.
 *
 * @module
 */

/**
 * A deterministic random source.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeededRandom } from "./seeded_random.ts";
 *
 * const a = new SeededRandom(42);
 * const b = new SeededRandom(42);
 * assert.equal(a.next(), b.next());
 * assert.ok(a.int(1, 6) >= 1);
 * ```
 */
export class SeededRandom {
  #state: number;

  /**
   * Creates a generator.
   *
   * @param seed Any integer; the same seed gives the same sequence.
   */
  constructor(seed: number) {
    this.#state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  }

  /**
   * Draws the next number.
   *
   * @returns A number in [0, 1).
   */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * Returns an integer in [min, max].
   *
   * @param min The smallest value.
   * @param max The largest value.
   * @returns The integer.
   */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /**
   * Returns `length` hex digits.
   *
   * @param length How many digits.
   * @returns The hex string.
   */
  hex(length: number): string {
    let out = "";
    while (out.length < length) out += this.int(0, 0xffff).toString(16).padStart(4, "0");
    return out.slice(0, length);
  }
}
