/**
 * The socket transport's frame parser, fuzzed: random messages, fragmented at random, with pings
 * in between, encoded as server frames and cut into random chunks come out whole and in order;
 * random bytes either parse or throw `WebSocketProtocolError`, nothing else; and the size limit
 * holds whatever the chunking.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  WebSocketFrameParser,
  type WebSocketFrameSink,
  WebSocketProtocolError,
} from "../../lib/client/ws_frame_parser.ts";

/** An unmasked server frame. */
function serverFrame(fin: boolean, opcode: number, payload: Uint8Array): Uint8Array {
  const n = payload.length;
  const header = n < 126
    ? [n]
    : n < 0x10000
    ? [126, n >>> 8, n & 0xff]
    : [127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return new Uint8Array([(fin ? 0x80 : 0) | opcode, ...header, ...payload]);
}

type Event = ["message", number[], boolean] | ["ping", number[]] | ["close", number | undefined];

function collector(events: Event[]): WebSocketFrameSink {
  return {
    message: (data, binary) => void events.push(["message", [...data], binary]),
    ping: (payload) => void events.push(["ping", [...payload]]),
    pong: () => {},
    close: (code) => void events.push(["close", code]),
  };
}

/** Cuts `bytes` at the given fractions. */
function chunks(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.slice(last, p));
    last = p;
  }
  return out;
}

const payloadSize = fc.oneof(
  fc.integer({ min: 0, max: 130 }),
  fc.constantFrom(125, 126, 127, 65_535, 65_536, 70_000),
);
const message = payloadSize.chain((size) =>
  fc.record({
    bytes: fc.uint8Array({ minLength: size, maxLength: size }),
    binary: fc.boolean(),
    // Where to cut the message into fragments, and whether a ping comes after each.
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
    pings: fc.array(fc.uint8Array({ maxLength: 125 }), { maxLength: 2 }),
  })
);

test("messages come out whole and in order, whatever the fragmentation and chunking", () => {
  fc.assert(
    fc.property(
      fc.array(message, { minLength: 1, maxLength: 6 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
      (messages, streamCuts) => {
        const frames: Uint8Array[] = [];
        const expected: Event[] = [];
        for (const m of messages) {
          // Text messages carry bytes here; the parser does not decode text (the socket does).
          const opcode = m.binary ? 0x2 : 0x1;
          const parts = chunks(m.bytes, m.cuts);
          parts.forEach((part, i) => {
            frames.push(serverFrame(i === parts.length - 1, i === 0 ? opcode : 0x0, part));
            const ping = m.pings[i];
            if (ping !== undefined && i < parts.length - 1) {
              frames.push(serverFrame(true, 0x9, ping));
              expected.push(["ping", [...ping]]);
            }
          });
          expected.push(["message", [...m.bytes], m.binary]);
        }
        frames.push(serverFrame(true, 0x8, new Uint8Array([0x03, 0xe8])));
        expected.push(["close", 1000]);
        const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
        let offset = 0;
        for (const f of frames) {
          stream.set(f, offset);
          offset += f.length;
        }
        const events: Event[] = [];
        const parser = new WebSocketFrameParser(collector(events), 1 << 20);
        for (const chunk of chunks(stream, streamCuts)) parser.push(chunk);
        assert.deepEqual(events, expected);
      },
    ),
    { numRuns: 60 },
  );
});

test("random bytes parse or fail with WebSocketProtocolError, never anything else", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
      (bytes, cuts) => {
        const parser = new WebSocketFrameParser(collector([]), 200);
        try {
          for (const chunk of chunks(bytes, cuts)) parser.push(chunk);
        } catch (error) {
          assert.ok(error instanceof WebSocketProtocolError, String(error));
          assert.ok([1002, 1007, 1009].includes(error.closeCode));
        }
      },
    ),
    { numRuns: 1000 },
  );
});

test("a frame or message over the limit fails with 1009 once its header is in, whatever the chunking", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3000 }),
      fc.integer({ min: 1, max: 40 }),
      fc.boolean(),
      (limit, over, fragmented) => {
        const size = limit + over;
        // Only the header (and, fragmented, a first part within the limit) is sent.
        const head = fragmented
          ? [
            ...serverFrame(false, 0x2, new Uint8Array(limit)),
            ...serverFrame(true, 0x0, new Uint8Array(over)).subarray(0, over < 126 ? 2 : 4),
          ]
          : [...serverFrame(true, 0x2, new Uint8Array(size)).subarray(0, size < 126 ? 2 : 4)];
        const events: Event[] = [];
        const parser = new WebSocketFrameParser(collector(events), limit);
        assert.throws(
          () => {
            for (const byte of head) parser.push(new Uint8Array([byte]));
          },
          (error) => error instanceof WebSocketProtocolError && error.closeCode === 1009,
        );
        assert.deepEqual(events, []);
      },
    ),
    { numRuns: 300 },
  );
});

test("protocol violations name their close code", () => {
  const cases: [string, number[], number][] = [
    ["masked frame", [0x82, 0x81, 1, 2, 3, 4, 0], 1002],
    ["reserved bit", [0xc2, 0], 1002],
    ["unknown opcode", [0x83, 0], 1002],
    ["fragmented ping", [0x09, 0], 1002],
    ["long ping", [0x89, 126, 0, 126, ...new Array(126).fill(0)], 1002],
    ["stray continuation", [0x80, 0], 1002],
    ["new message inside a fragmented one", [0x02, 1, 0, 0x82, 0], 1002],
    ["close frame of 1 byte", [0x88, 1, 3], 1002],
    ["close code 1005", [0x88, 2, 0x03, 0xed], 1002],
    ["close reason not UTF-8", [0x88, 3, 0x03, 0xe8, 0xff], 1007],
  ];
  for (const [name, bytes, code] of cases) {
    const parser = new WebSocketFrameParser(collector([]), 1024);
    assert.throws(
      () => parser.push(new Uint8Array(bytes)),
      (error) => error instanceof WebSocketProtocolError && error.closeCode === code,
      name,
    );
  }
});
