// Flood sender for the end-to-end benchmarks (Node, node: built-ins only).
//
// A minimal WebSocket server on 127.0.0.1 that, for each connection to `/flood?n=N`, sends N
// binary frames holding the golden `MarketDepth` ServerMessage (192 bytes) and then one
// `Heartbeat` frame as the end marker. With `&login=1` it first waits for the client's login frame
// and answers it with the golden successful `LoginResponse` (for T4Client). The frames are framed once up front and written in large
// batches, waiting for `drain`, so that the sender is not the bottleneck (the benchmark also
// measures its capacity with a raw socket reader, see `sink` below).
//
// Usage: node bench/flood_server.mjs            prints {"port": P} and serves until stdin ends
//        node bench/flood_server.mjs sink PORT N  reads a flood of N frames over a raw socket and
//                                                 prints {"framesPerSecond": ...}

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";

const golden = new URL("../tests/fixtures/golden/", import.meta.url);
const depth = readFileSync(new URL("server_market_depth.bin", golden));
const heartbeat = readFileSync(new URL("server_heartbeat.bin", golden));
const loginResponse = readFileSync(new URL("server_login_response_success.bin", golden));

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

const depthFrame = frame(depth);
const endFrame = frame(heartbeat);
const BATCH = 4096;
const batch = Buffer.concat(Array.from({ length: BATCH }, () => depthFrame));

async function flood(socket, n) {
  let left = n;
  while (left > 0 && !socket.destroyed) {
    const count = Math.min(left, BATCH);
    const chunk = count === BATCH ? batch : batch.subarray(0, count * depthFrame.length);
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
  const total = n * depthFrame.length + endFrame.length;
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

if (process.argv[2] === "sink") sink(Number(process.argv[3]), Number(process.argv[4]));
else serve();
