// Codec throughput of the vendor's JavaScript stack (protobufjs static code on Node): decode the
// golden MarketDepth ServerMessage, encode a LoginRequest and a Heartbeat ClientMessage from plain
// objects. Prints one JSON object of messages per second (median of the rounds).
//
// Usage: node bench/vendor/codec.mjs [--quick]

import { readFileSync } from "node:fs";
import { t4proto } from "./out/t4_static.mjs";

const { ServerMessage, ClientMessage } = t4proto.v1.service;
const quick = process.argv.includes("--quick");
const frame = readFileSync(
  new URL("../../tests/fixtures/golden/server_market_depth.bin", import.meta.url),
);
const login = {
  loginRequest: {
    firm: "CTS",
    username: "bench-user",
    password: "bench-password",
    appName: "t4flow-bench",
    appLicense: "0123456789ABCDEF",
    priceFormat: 1,
  },
};
const heartbeat = { heartbeat: { timestamp: 1764000000000 } };

function measure(fn, iterations, rounds) {
  let sink = 0;
  for (let i = 0; i < Math.min(iterations, 20000); i++) sink += fn() ? 1 : 0;
  const rates = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < iterations; i++) sink += fn() ? 1 : 0;
    rates.push(iterations / ((performance.now() - t) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { perSecond: rates[Math.floor(rates.length / 2)], sink };
}

const iterations = quick ? 20000 : 300000;
const rounds = quick ? 1 : 5;
const decode = measure(
  () => ServerMessage.decode(frame).marketDepth.bids.length,
  iterations,
  rounds,
);
const encodeLogin = measure(() => ClientMessage.encode(login).finish().length, iterations, rounds);
const encodeHeartbeat = measure(
  () => ClientMessage.encode(heartbeat).finish().length,
  iterations,
  rounds,
);
console.log(JSON.stringify({
  decodeMarketDepth: decode.perSecond,
  encodeLoginRequest: encodeLogin.perSecond,
  encodeHeartbeat: encodeHeartbeat.perSecond,
}));
