/**
 * The generated decoders reuse short ASCII strings (prices, ids) from a bounded cache keyed by
 * their bytes: whatever is cached, evicted or colliding, they must return exactly what
 * `fromBinary` returns, and fail on invalid UTF-8 exactly as it fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { decodeMarketDepthFast } from "../../lib/protocol/gen/t4/v1/service_t4fast.ts";
import { type MarketDepth, MarketDepthSchema } from "../../lib/protocol/proto.ts";

const _read = { readUnknownFields: true } as const;

/** What a decoder did: the value, or the class and message of what it threw. */
function outcome(decode: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: decode() };
  } catch (error) {
    assert.ok(error instanceof Error, "decoders throw Error instances");
    return { error: `${error.constructor.name}: ${error.message}` };
  }
}

function depth(marketId: string, prices: string[]): Uint8Array {
  return toBinary(
    MarketDepthSchema,
    create(MarketDepthSchema, {
      marketId,
      bids: prices.map((value, i) => ({ price: { value }, volume: i + 1 })),
    }),
  );
}

/** A `MarketDepth` whose `market_id` (field 1) holds exactly `bytes`. */
function rawMarketId(bytes: number[]): Uint8Array {
  return new Uint8Array([0x0a, bytes.length, ...bytes]);
}

/** Short strings over few characters (many equal, many colliding), multi-byte and long ones. */
const text = fc.oneof(
  fc.string({ unit: fc.constantFrom("0", "1", "5", ".", "-", "E", "S"), maxLength: 8 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("a", "é", "€", "𝄞"), minLength: 1, maxLength: 20 }),
  fc.string({ minLength: 28, maxLength: 40 }),
);

test("property: strings decode like fromBinary, whatever the cache holds", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(text, fc.array(text, { maxLength: 4 })), { minLength: 1, maxLength: 20 }),
      (messages) => {
        for (const [marketId, prices] of messages) {
          const bytes = depth(marketId, prices);
          const fast = decodeMarketDepthFast(bytes);
          assert.deepStrictEqual(fast, fromBinary(MarketDepthSchema, bytes, _read));
          assert.equal(fast.marketId, marketId);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("more distinct short strings than the cache holds decode exactly, in any order", () => {
  // 6000 distinct prices and ids of 1 to 32 bytes: far more than the cache's slots, so slots are
  // shared by strings of equal length and different bytes, and entries are evicted and refilled.
  const strings = Array.from({ length: 6000 }, (_, i) => {
    const s = i % 3 === 0 ? (4500 + i / 4).toFixed(2) : `XCME_Eq ES (Z${i})`;
    return s.slice(0, 1 + (i % 32));
  });
  const decodeAll = (order: string[]) => {
    for (const s of order) {
      const got: MarketDepth = decodeMarketDepthFast(depth(s, [s]));
      assert.equal(got.marketId, s);
      assert.equal(got.bids[0]?.price?.value, s);
    }
  };
  decodeAll(strings);
  decodeAll([...strings].reverse());
  decodeAll(strings.filter((_, i) => i % 7 === 0));
});

test("a string equal to a cached one but for one byte is not taken for it", () => {
  const cached: string = decodeMarketDepthFast(depth("4500.25", [])).marketId;
  assert.equal(cached, "4500.25");
  for (let at = 0; at < cached.length; at++) {
    for (const c of ["0", "9", ".", " ", "\u007f"]) {
      const other: string = cached.slice(0, at) + c + cached.slice(at + 1);
      assert.equal(decodeMarketDepthFast(depth(other, [])).marketId, other);
    }
  }
  assert.equal(decodeMarketDepthFast(depth("4500.2", [])).marketId, "4500.2");
  assert.equal(decodeMarketDepthFast(depth("4500.250", [])).marketId, "4500.250");
  assert.equal(decodeMarketDepthFast(depth("", [])).marketId, "");
});

test("property: invalid UTF-8 fails exactly like fromBinary, also next to cached strings", () => {
  const invalid = fc.constantFrom(
    [0xff],
    [0x80],
    [0xc0, 0x80],
    [0xc3],
    [0xe2, 0x82],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
  );
  const ascii = fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 30 });
  fc.assert(
    fc.property(ascii, invalid, ascii, (before, bad, after) => {
      const valid = rawMarketId([...before, ...after]);
      decodeMarketDepthFast(valid); // caches the ASCII string around the bad bytes
      const bytes = rawMarketId([...before, ...bad, ...after]);
      const fast = outcome(() => decodeMarketDepthFast(bytes));
      assert.ok("error" in fast, "invalid UTF-8 throws");
      assert.deepStrictEqual(fast, outcome(() => fromBinary(MarketDepthSchema, bytes, _read)));
      assert.deepStrictEqual(
        outcome(() => decodeMarketDepthFast(valid)),
        outcome(() => fromBinary(MarketDepthSchema, valid, _read)),
      );
    }),
    { numRuns: 500 },
  );
});
