/**
 * The frames of the end-to-end floods: 32 distinct `MarketDepth` server messages (8 markets, 1 to
 * 10 levels a side, moving prices, volumes and times; 60 to 500 bytes), so that no benchmark
 * measures one repeated frame. Written as a file of length-prefixed frames (u32 big-endian
 * length, bytes) that `bench/flood_server.mjs` cycles through.
 *
 * Usage: `deno run -A bench/flood_frames.ts FILE` (bench/main.ts calls {@linkcode writeFloodFrames}).
 *
 * @module
 */

import process from "node:process";
import { writeFileSync } from "node:fs";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { encodeServerMessage } from "../lib/protocol/frame_codec.ts";

/** How many distinct frames a flood cycles through. */
export const FLOOD_FRAME_COUNT = 32;

const _MARKETS = [
  "XCME_Eq ES (Z26)",
  "XCME_Eq NQ (Z26)",
  "XCBT_Ag ZC (H27)",
  "XCME_En CL (F27)",
  "XCME_Mt GC (G27)",
  "XCBT_Ir ZN (H27)",
  "XEUR_Eq FDAX (Z26)",
  "XCME_Fx 6E (Z26)",
];

/**
 * The flood's frames.
 *
 * @returns {@linkcode FLOOD_FRAME_COUNT} distinct encoded `ServerMessage`s with a `marketDepth`.
 */
export function floodFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < FLOOD_FRAME_COUNT; i++) {
    const levels = 1 + ((i * 7) % 10);
    const mid = 600_000 + ((i * 37) % 200) * 25;
    const level = (side: number, k: number) => ({
      price: { value: ((mid + side * (k + 1) * 25) / 100).toFixed(2) },
      volume: 1 + ((i * 13 + k * 7) % 250),
      numOrders: 1 + ((i + k) % 40),
    });
    frames.push(encodeServerMessage({
      payload: {
        case: "marketDepth",
        value: {
          marketId: _MARKETS[i % _MARKETS.length]!,
          time: timestampFromMs(1_764_000_000_000 + i * 125),
          bids: Array.from({ length: levels }, (_, k) => level(-1, k)),
          offers: Array.from({ length: 1 + ((i * 3) % 10) }, (_, k) => level(1, k)),
          ...(i % 4 === 0 && {
            tradeData: {
              totalTradedVolume: 1_000_000 + i * 17,
              totalTradeCount: 300_000 + i,
              lastTradePrice: { value: (mid / 100).toFixed(2) },
              lastTradeVolume: 1 + (i % 9),
            },
          }),
        },
      },
    }));
  }
  return frames;
}

/**
 * Writes the flood's frames as length-prefixed records.
 *
 * @param file Where to write.
 * @returns The number of frames and their sizes.
 */
export function writeFloodFrames(file: string): { count: number; sizes: number[] } {
  const frames = floodFrames();
  const out = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const frame of frames) {
    view.setUint32(offset, frame.length);
    out.set(frame, offset + 4);
    offset += 4 + frame.length;
  }
  writeFileSync(file, out);
  return { count: frames.length, sizes: frames.map((f) => f.length) };
}

if (import.meta.main) {
  const file = process.argv[2];
  if (file === undefined) throw new TypeError("Cannot write the flood frames: give a file");
  console.log(JSON.stringify(writeFloodFrames(file)));
}
