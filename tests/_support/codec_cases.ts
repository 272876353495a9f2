/**
 * What the codec tests compare generated code with protobuf-es on: outcomes (a value, or the class
 * and message of the error), and bytes of unknown fields in every wire type.
 */
import assert from "node:assert/strict";
import fc from "fast-check";

/** A value, or the class and message of what was thrown. */
export type Outcome = { value: unknown } | { error: string };

/** What `run` did: the value, or the class and message of what it threw. */
export function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() };
  } catch (error) {
    assert.ok(error instanceof Error, "throws Error instances");
    return { error: `${error.constructor.name}: ${error.message}` };
  }
}

/** The varint bytes of `value`. */
export function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** Fields no message declares (numbers 900 to 2000), in every wire type, to exercise `$unknown`. */
export const unknownFieldBytes: fc.Arbitrary<Uint8Array> = fc.array(
  fc.oneof(
    fc.tuple(fc.integer({ min: 900, max: 2000 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))
      .map(([no, v]) => [...varint(BigInt(no << 3)), ...varint(v)]),
    fc.tuple(fc.integer({ min: 900, max: 2000 }), fc.uint8Array({ maxLength: 5 })).map((
      [no, data],
    ) => [...varint(BigInt((no << 3) | 2)), ...varint(BigInt(data.length)), ...data]),
    fc.tuple(fc.integer({ min: 900, max: 2000 }), fc.uint8Array({ minLength: 4, maxLength: 4 }))
      .map(([no, data]) => [...varint(BigInt((no << 3) | 5)), ...data]),
    fc.tuple(fc.integer({ min: 900, max: 2000 }), fc.uint8Array({ minLength: 8, maxLength: 8 }))
      .map(([no, data]) => [...varint(BigInt((no << 3) | 1)), ...data]),
    fc.integer({ min: 900, max: 2000 }).map((no) => [
      ...varint(BigInt((no << 3) | 3)),
      ...varint(BigInt((no << 3) | 4)),
    ]),
  ),
  { maxLength: 3 },
).map((parts) => new Uint8Array(parts.flat()));

/** The parts, one after the other. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
