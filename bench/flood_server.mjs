// Flood sender for the end-to-end benchmarks (Node, node: built-ins only).
//
// A minimal WebSocket server on 127.0.0.1 that, for each connection to `/flood?n=N`, sends N
// binary frames cycling through the distinct `MarketDepth` ServerMessages of FRAMES_FILE
// (written by bench/flood_frames.ts: u32 big-endian length + bytes, repeated) and then one
// `Heartbeat` frame as the end marker. With `&login=1` it first waits for the client's login frame
// and answers it with the golden successful `LoginResponse` (for T4Client). The frames are framed once up front and written in large
// batches, waiting for `drain`, so that the sender is not the bottleneck (the benchmark also
// measures its capacity with a raw socket reader, see `sink` below).
//
// Usage: node bench/flood_server.mjs FRAMES_FILE  prints {"port": P} and serves until stdin ends
//        node bench/flood_server.mjs sink PORT N FRAMES_FILE
//                                   reads a flood of N frames over a raw socket and prints
//                                   {"framesPerSecond": ...}

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";

const golden = new URL("../tests/fixtures/golden/", import.meta.url);
const heartbeat = readFileSync(new URL("server_heartbeat.bin", golden));
const loginResponse = readFileSync(new URL("server_login_response_success.bin", golden));

/** The flood's distinct payloads, from the frames file. */
function readFrames(file) {
  const data = readFileSync(file);
  const frames = [];
  for (let offset = 0; offset < data.length;) {
    const length = data.readUInt32BE(offset);
    frames.push(data.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  if (frames.length < 16) {
    throw new Error(`Cannot flood with ${frames.length} distinct frames: need 16`);
  }
  return frames;
}

/** An unmasked binary frame (server to client). */
function frame(payload) {
  const n = payload.length;
  const header = n < 126
    ? Buffer.from([0x82, n])
    : n < 65536
    ? Buffer.from([0x82, 126, n >> 8, n & 0xff])
    : null;
  if (header === null) throw new Error(`Cannot frame ${n} bytes: too large for this sender`);
  return Buffer.concat([header, payload]);
}

const endFrame = frame(heartbeat);
/** Frames per batch: a multiple of the distinct frames, so that batches cycle through them all. */
let BATCH = 0;
let batch = Buffer.alloc(0);
/** Byte offsets of the frames in `batch` (BATCH + 1 entries). */
let offsets = [];
let distinct = [];

function prepare(file) {
  distinct = readFrames(file).map(frame);
  BATCH = distinct.length * Math.ceil(4096 / distinct.length);
  const frames = Array.from({ length: BATCH }, (_, i) => distinct[i % distinct.length]);
  batch = Buffer.concat(frames);
  offsets = [0];
  for (const f of frames) offsets.push(offsets.at(-1) + f.length);
}

/** Bytes of a flood of n frames (without the end marker). */
function floodBytes(n) {
  let total = 0;
  for (let i = 0; i < n; i++) total += distinct[i % distinct.length].length;
  return total;
}

async function flood(socket, n) {
  let left = n;
  while (left > 0 && !socket.destroyed) {
    const count = Math.min(left, BATCH);
    const chunk = count === BATCH ? batch : batch.subarray(0, offsets[count]);
    left -= count;
    if (!socket.write(chunk)) {
      await new Promise((resolve) => {
        const done = () => {
          socket.off("drain", done);
          socket.off("close", done);
          resolve();
        };
        socket.on("drain", done);
        socket.on("close", done);
      });
    }
  }
  if (!socket.destroyed) socket.write(endFrame);
}

function serve() {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let head = "";
    const onData = (data) => {
      head += data.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      const login = /[?&]login=1/.test(head);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? "";
      const n = Number(/[?&]n=(\d+)/.exec(head)?.[1] ?? "0");
      const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
        .digest("base64");
      socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      if (!login) {
        socket.on("data", () => {}); // client frames (close) are ignored
        flood(socket, n).catch(() => socket.destroy());
        return;
      }
      // `login=1`: wait for the client's first frame (its LoginRequest), answer with the golden
      // successful LoginResponse, then flood. Later client frames are ignored.
      let answered = false;
      socket.on("data", () => {
        if (answered) return;
        answered = true;
        socket.write(frame(loginResponse));
        flood(socket, n).catch(() => socket.destroy());
      });
    };
    socket.on("data", onData);
    socket.on("error", () => socket.destroy());
  });
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
  });
  // The parent ends the server by closing our stdin.
  process.stdin.on("data", () => {});
  process.stdin.on("end", () => process.exit(0));
}

/** Reads a flood with a raw socket (no WebSocket parsing beyond counting bytes): sender capacity. */
function sink(port, n) {
  const socket = connect(port, "127.0.0.1");
  const total = floodBytes(n) + endFrame.length;
  let got = -1;
  let start = 0;
  socket.on("connect", () => {
    socket.write(
      `GET /flood?n=${n} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
  });
  socket.on("data", (data) => {
    if (got < 0) {
      const end = data.indexOf("\r\n\r\n");
      if (end < 0) return;
      start = performance.now();
      got = data.length - end - 4;
    } else {
      got += data.length;
    }
    if (got >= total) {
      const seconds = (performance.now() - start) / 1000;
      process.stdout.write(JSON.stringify({ framesPerSecond: n / seconds }) + "\n");
      socket.destroy();
    }
  });
}

if (process.argv[2] === "sink") {
  prepare(process.argv[5]);
  sink(Number(process.argv[3]), Number(process.argv[4]));
} else {
  prepare(process.argv[2]);
  serve();
}
