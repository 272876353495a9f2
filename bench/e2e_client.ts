/**
 * End-to-end market-data loop without T4Client: the runtime's native `WebSocket` or the socket
 * transport (`SocketWebSocket`), connected to the flood sender (`bench/flood_server.mjs`);
 * receives N `MarketDepth` frames and an end marker and prints `{"framesPerSecond": ...,
 * "cpuMicrosPerFrame": ...}` from the first frame to the end marker (CPU: `process.cpuUsage`,
 * user + system, over the same span).
 *
 * Modes: `raw` (no decoding: the transport's ceiling), `fast` (`decodeServerFrame`, which uses the
 * generated decoders, reading the best bid and offer like a real handler).
 *
 * Usage: `deno run -A bench/e2e_client.ts <mode> <url> <n> [websocket|socket]` or
 * `bun bench/e2e_client.ts ...`
 *
 * @module
 */

import process from "node:process";
import { SocketWebSocket } from "../lib/client/socket_web_socket.ts";
import type { WebSocketLike } from "../lib/client/web_socket_like.ts";
import { decodeServerFrame } from "../lib/protocol/frame_codec.ts";
import { FrameError } from "../lib/protocol/frame_error.ts";

/** How each frame is handled. */
export type E2eMode = "raw" | "fast";

/**
 * Runs one flood and resolves with the frame rate.
 *
 * @param mode How each frame is handled.
 * @param url The flood URL (without the `n` query).
 * @param n Number of depth frames.
 * @param transport The native WebSocket or the socket transport.
 * @returns Frames per second, CPU µs per frame and a checksum of the touched fields.
 */
export function runE2e(
  mode: E2eMode,
  url: string,
  n: number,
  transport: "websocket" | "socket" = "websocket",
): Promise<{ framesPerSecond: number; cpuMicrosPerFrame: number; checksum: number }> {
  return new Promise((resolve, reject) => {
    const ws: WebSocketLike = transport === "socket"
      ? new SocketWebSocket(`${url}?n=${n}`)
      : new WebSocket(`${url}?n=${n}`);
    ws.binaryType = "arraybuffer";
    // Socket transport frames are views into its read buffer, valid during the handler only.
    const decodeOptions = { borrowed: transport === "socket" };
    let count = 0;
    let start = 0;
    let cpu0: NodeJS.CpuUsage | undefined;
    let checksum = 0;
    const total = n + 1;
    ws.onerror = () => reject(new Error(`Cannot run the flood as the connection to ${url} failed`));
    ws.onmessage = (event: MessageEvent) => {
      if (count === 0) {
        start = performance.now();
        cpu0 = process.cpuUsage();
      }
      count++;
      const data = event.data as ArrayBuffer | Uint8Array;
      if (mode === "fast") {
        const message = decodeServerFrame(data, decodeOptions);
        if (!(message instanceof FrameError) && message.payload.case === "marketDepth") {
          const depth = message.payload.value;
          checksum += (depth.bids[0]?.volume ?? 0) + (depth.offers[0]?.volume ?? 0);
        }
      } else {
        checksum += data.byteLength & 1;
      }
      if (count === total) {
        const seconds = (performance.now() - start) / 1000;
        const cpu = process.cpuUsage(cpu0);
        ws.close();
        resolve({
          framesPerSecond: n / seconds,
          cpuMicrosPerFrame: (cpu.user + cpu.system) / n,
          checksum,
        });
      }
    };
  });
}

if (import.meta.main) {
  const [mode, url, n, transport = "websocket"] = process.argv.slice(2);
  if (mode !== "raw" && mode !== "fast") {
    throw new TypeError(`Cannot run mode '${mode}': expected raw or fast`);
  }
  if (transport !== "websocket" && transport !== "socket") {
    throw new TypeError(`Cannot run transport '${transport}': expected websocket or socket`);
  }
  const result = await runE2e(mode, url ?? "", Number(n), transport);
  console.log(JSON.stringify(result));
  process.exit(0);
}
