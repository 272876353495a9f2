/**
 * End-to-end market-data loop with the runtime's native `WebSocket` (Deno or Bun): connects to the
 * flood sender (`bench/flood_server.mjs`), receives N `MarketDepth` frames and an end marker, and
 * prints `{"framesPerSecond": ...}` measured from the first frame to the end marker.
 *
 * Modes: `raw` (no decoding: the transport limit), `fromBinary` (`@bufbuild/protobuf`'s
 * `fromBinary` on every frame), `fast` (`decodeServerFrame`, which uses the generated decoders).
 * The decoding modes read the best bid and offer of each message, like a real handler.
 *
 * Usage: `deno run -A bench/e2e_client.ts <mode> <url> <n>` or `bun bench/e2e_client.ts ...`
 *
 * @module
 */

import process from "node:process";
import { fromBinary } from "@bufbuild/protobuf";
import { decodeServerFrame } from "../lib/protocol/frame_codec.ts";
import { FrameError } from "../lib/protocol/frame_error.ts";
import { type ServerMessage, ServerMessageSchema } from "../lib/protocol/proto.ts";

/** How each frame is handled. */
export type E2eMode = "raw" | "fromBinary" | "fast";

const _readOptions = { readUnknownFields: true } as const;

/** Reads the best bid and offer volumes of a depth message, as a handler would. */
function _touch(message: ServerMessage): number {
  if (message.payload.case !== "marketDepth") return 0;
  const depth = message.payload.value;
  return (depth.bids[0]?.volume ?? 0) + (depth.offers[0]?.volume ?? 0);
}

/**
 * Runs one flood and resolves with the frame rate.
 *
 * @param mode How each frame is handled.
 * @param url The flood URL (without the `n` query).
 * @param n Number of depth frames.
 * @returns Frames per second and a checksum of the touched fields.
 */
export function runE2e(
  mode: E2eMode,
  url: string,
  n: number,
): Promise<{ framesPerSecond: number; checksum: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?n=${n}`);
    ws.binaryType = "arraybuffer";
    let count = 0;
    let start = 0;
    let checksum = 0;
    const total = n + 1;
    ws.onerror = () => reject(new Error(`Cannot run the flood as the connection to ${url} failed`));
    ws.onmessage = (event: MessageEvent) => {
      if (count === 0) start = performance.now();
      count++;
      const data = event.data as ArrayBuffer;
      if (mode === "fromBinary") {
        checksum += _touch(fromBinary(ServerMessageSchema, new Uint8Array(data), _readOptions));
      } else if (mode === "fast") {
        const message = decodeServerFrame(data);
        if (!(message instanceof FrameError)) checksum += _touch(message);
      } else {
        checksum += data.byteLength & 1;
      }
      if (count === total) {
        const seconds = (performance.now() - start) / 1000;
        ws.close();
        resolve({ framesPerSecond: n / seconds, checksum });
      }
    };
  });
}

if (import.meta.main) {
  const [mode, url, n] = process.argv.slice(2);
  if (mode !== "raw" && mode !== "fromBinary" && mode !== "fast") {
    throw new TypeError(`Cannot run mode '${mode}': expected raw, fromBinary or fast`);
  }
  const result = await runE2e(mode, url ?? "", Number(n));
  console.log(JSON.stringify(result));
  process.exit(0);
}
