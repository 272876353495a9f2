/**
 * Codec throughput of t4flow in the current runtime (Deno or Bun): decoding the golden
 * `MarketDepth` frame (192 bytes) with `fromBinary` and with `decodeServerFrame` (generated
 * decoders), decoding the end-to-end floods' 32 distinct `MarketDepth` frames in turn with
 * `decodeServerFrame`, decoding the bare `MarketDepth` with `fromBinary` and `decodeMarketDepthFast`, and
 * encoding a `LoginRequest` and a `Heartbeat` from plain objects. Prints one JSON object of
 * messages per second (median of the rounds).
 *
 * Usage: `deno run -A bench/codec.ts [--quick]` or `bun bench/codec.ts [--quick]`
 *
 * @module
 */

import process from "node:process";
import { readFileSync } from "node:fs";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { decodeServerFrame, encodeClientMessage } from "../lib/protocol/frame_codec.ts";
import { FrameError } from "../lib/protocol/frame_error.ts";
import { MarketDepthSchema, ServerMessageSchema } from "../lib/protocol/proto.ts";
import { decodeMarketDepthFast } from "../lib/protocol/gen/t4/v1/service_t4fast.ts";
import { floodFrames } from "./flood_frames.ts";

/** Median messages per second of `fn` over `rounds` rounds of `iterations` calls. */
export function measure(fn: () => number, iterations: number, rounds: number): number {
  let sink = 0;
  for (let i = 0; i < Math.min(iterations, 20_000); i++) sink += fn();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) sink += fn();
    rates.push(iterations / ((performance.now() - start) / 1000));
  }
  if (sink === -1) console.log(sink); // keeps the results observable
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? 0;
}

/** The codec figures, in messages per second. */
export interface CodecResults {
  decodeFrameFromBinary: number;
  decodeFrameFast: number;
  decodeFloodFramesFast: number;
  decodeMarketDepthFromBinary: number;
  decodeMarketDepthFast: number;
  encodeLoginRequest: number;
  encodeHeartbeat: number;
}

/**
 * Runs the codec measurements.
 *
 * @param quick Few iterations and one round (CI).
 * @returns Messages per second for each operation.
 */
export function runCodec(quick: boolean): CodecResults {
  const frame = new Uint8Array(
    readFileSync(new URL("../tests/fixtures/golden/server_market_depth.bin", import.meta.url)),
  );
  const envelope = fromBinary(ServerMessageSchema, frame);
  if (envelope.payload.case !== "marketDepth") throw new Error("Cannot bench: not a depth frame");
  const depth = toBinary(MarketDepthSchema, envelope.payload.value);
  const read = { readUnknownFields: true } as const;
  const flood = floodFrames();
  let next = 0;
  const iterations = quick ? 20_000 : 300_000;
  const rounds = quick ? 1 : 5;
  return {
    decodeFrameFromBinary: measure(
      () => {
        const m = fromBinary(ServerMessageSchema, frame, read);
        return m.payload.case === "marketDepth" ? m.payload.value.bids.length : 0;
      },
      iterations,
      rounds,
    ),
    decodeFrameFast: measure(
      () => {
        const m = decodeServerFrame(frame);
        return !(m instanceof FrameError) && m.payload.case === "marketDepth"
          ? m.payload.value.bids.length
          : 0;
      },
      iterations,
      rounds,
    ),
    decodeFloodFramesFast: measure(
      () => {
        const m = decodeServerFrame(flood[next++ % flood.length]!);
        return !(m instanceof FrameError) && m.payload.case === "marketDepth"
          ? m.payload.value.bids.length
          : 0;
      },
      iterations,
      rounds,
    ),
    decodeMarketDepthFromBinary: measure(
      () => fromBinary(MarketDepthSchema, depth, read).bids.length,
      iterations,
      rounds,
    ),
    decodeMarketDepthFast: measure(
      () => decodeMarketDepthFast(depth).bids.length,
      iterations,
      rounds,
    ),
    encodeLoginRequest: measure(
      () =>
        encodeClientMessage({
          payload: {
            case: "loginRequest",
            value: {
              firm: "CTS",
              username: "bench-user",
              password: "bench-password",
              appName: "t4flow-bench",
              appLicense: "0123456789ABCDEF",
              priceFormat: 1,
            },
          },
        }).length,
      iterations,
      rounds,
    ),
    encodeHeartbeat: measure(
      () =>
        encodeClientMessage({
          payload: { case: "heartbeat", value: { timestamp: 1_764_000_000_000n } },
        }).length,
      iterations,
      rounds,
    ),
  };
}

if (import.meta.main) {
  console.log(JSON.stringify(runCodec(process.argv.includes("--quick"))));
}
