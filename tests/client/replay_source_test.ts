/**
 * ReplaySource: a recording played back through the WebSocketLike port into a real T4Client, on
 * a FakeClock: recorded spacing kept or scaled, gates on recorded subscriptions, a clear error for
 * a subscription the recording does not contain, and heartbeats answered after the last entry.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseRecording,
  type RecordingEntry,
  recordingEntryLine,
  recordingHeaderLine,
} from "../../lib/client/recording_format.ts";
import { type ReplayMismatchError, ReplaySource } from "../../lib/client/replay_source.ts";
import type { StatusEvent } from "../../lib/client/status_event.ts";
import { T4Client, type T4ClientOptions } from "../../lib/client/t4_client.ts";
import {
  type ClientMessageInit,
  encodeClientMessage,
  encodeServerMessage,
  type ServerMessageInit,
} from "../../lib/protocol/frame_codec.ts";
import { DepthBuffer, DepthLevels, LoginResult } from "../../lib/protocol/proto.ts";
import { type Clock, FakeClock } from "../../lib/runtime/clock.ts";

const ES = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };
const NQ = { exchangeId: "CME_Eq", contractId: "NQ", marketId: "XCME_Eq NQ (Z26)" };

const send = (at: number, payload: NonNullable<ClientMessageInit["payload"]>): RecordingEntry => ({
  at,
  conn: 1,
  event: "send",
  data: encodeClientMessage({ payload }) as Uint8Array<ArrayBuffer>,
});
const recv = (at: number, payload: NonNullable<ServerMessageInit["payload"]>): RecordingEntry => ({
  at,
  conn: 1,
  event: "recv",
  data: encodeServerMessage({ payload }) as Uint8Array<ArrayBuffer>,
});

/** A recorded session: login, then 1 s later an ES depth subscribe and its depth 2 s after it. */
function recording() {
  const entries: RecordingEntry[] = [
    { at: 1_000, conn: 1, event: "connect", url: "wss://example.invalid/v1" },
    { at: 1_010, conn: 1, event: "open" },
    send(1_011, { case: "loginRequest", value: { apiKey: "" } }),
    recv(1_050, {
      case: "loginResponse",
      value: { result: LoginResult.SUCCESS, sessionId: "s-rec", userId: "u" },
    }),
    send(2_000, { case: "heartbeat", value: { timestamp: 2_000n } }),
    send(3_000, {
      case: "marketDepthSubscribe",
      value: { ...ES, buffer: DepthBuffer.SMART, depthLevels: DepthLevels.NORMAL },
    }),
    recv(5_000, { case: "marketDepth", value: { marketId: ES.marketId } }),
  ];
  const text = [recordingHeaderLine(0), ...entries.map(recordingEntryLine)].join("\n");
  return parseRecording(text, "mem.jsonl");
}

/** A client whose sockets come from `source`, on `clock`, that never reconnects. */
function replayedClient(
  source: ReplaySource,
  clock: Clock,
  reconnect: T4ClientOptions["reconnect"] = false,
) {
  return new T4Client({
    url: "wss://example.invalid/v1",
    auth: { apiKey: "k" },
    clock,
    maintenance: false,
    reconnect,
    heartbeatMs: 600_000,
    random: () => 0.5,
    WebSocket: source.WebSocket,
  });
}

function replay(speed: number) {
  const clock = new FakeClock(1_700_000_000_000);
  const mismatches: ReplayMismatchError[] = [];
  const source = new ReplaySource(recording(), {
    clock,
    speed,
    onMismatch: (error) => mismatches.push(error),
  });
  const client = replayedClient(source, clock);
  const depths: string[] = [];
  client.on("marketDepth", (depth) => depths.push(depth.marketId));
  const events: StatusEvent[] = [];
  client.onStatus((event) => events.push(event));
  return { clock, source, client, depths, events, mismatches };
}

describe("ReplaySource", () => {
  it("logs in from the recording and delivers the depth 2 s after the subscribe", async () => {
    const { clock, source, client, depths } = replay(1);
    const connected = client.connect();
    await clock.advance(100);
    const session = await connected;
    assert.equal(session.sessionId, "s-rec");
    // The depth waits for the recorded subscribe, however long the client takes to send it.
    await clock.advance(60_000);
    assert.deepEqual(depths, []);
    client.subscribeMarket(ES);
    await clock.advance(1_999);
    assert.deepEqual(depths, []);
    await clock.advance(1);
    assert.deepEqual(depths, [ES.marketId]);
    assert.equal(source.connections, 1);
    assert.equal(source.mismatch, undefined);
    await client.close();
  });

  it("scales the recorded spacing by the speed", async () => {
    const { clock, client, depths } = replay(4);
    const connected = client.connect();
    await clock.advance(100);
    await connected;
    client.subscribeMarket(ES);
    await clock.advance(499);
    assert.deepEqual(depths, []);
    await clock.advance(1);
    assert.deepEqual(depths, [ES.marketId]);
    await client.close();
  });

  it("refuses a subscription the recording does not contain, naming it", async () => {
    const { clock, source, client, depths, events, mismatches } = replay(Infinity);
    const connected = client.connect();
    await clock.advance(10);
    await connected;
    const refused = client.subscribeMarket(NQ).then(() => "confirmed", (e: Error) => e.name);
    await clock.advance(10);
    assert.equal(mismatches.length, 1);
    assert.equal(source.mismatch, mismatches[0]);
    assert.match(
      mismatches[0]!.message,
      /^Cannot replay as the client sent marketDepthSubscribe \{"exchangeId":"CME_Eq","contractId":"NQ".*recorded marketDepthSubscribe frames still ahead: \{"exchangeId":"CME_Eq","contractId":"ES"/,
    );
    assert.equal(await Promise.race([source.mismatched, "pending"]), mismatches[0]);
    const disconnected = events.find((e) => e.type === "disconnected");
    assert.ok(disconnected && disconnected.type === "disconnected");
    assert.equal(disconnected.code, 4000);
    assert.deepEqual(depths, []);
    await client.close();
    assert.equal(await refused, "ClientClosedError", "never confirmed");
  });

  it("answers heartbeats after the last entry so a long hold stays connected", async () => {
    const { clock, client, events } = replay(Infinity);
    const connected = client.connect();
    await clock.advance(10);
    await connected;
    client.subscribeMarket(ES);
    // Ten heartbeat intervals: without answers the client would count the peer as dead.
    await clock.advance(6_000_000);
    assert.equal(client.state, "open");
    assert.ok(!events.some((e) => e.type === "disconnected"));
    assert.ok(client.stats.heartbeatsReceived >= 9);
    await client.close();
  });

  it("plays each reconnect's connection in turn", async () => {
    const login = (conn: number, at: number, sessionId: string): RecordingEntry[] => [
      { at, conn, event: "connect", url: "wss://example.invalid/v1" },
      { at: at + 5, conn, event: "open" },
      { ...send(at + 6, { case: "loginRequest", value: { apiKey: "" } }), conn },
      {
        ...recv(at + 20, {
          case: "loginResponse",
          value: { result: LoginResult.SUCCESS, sessionId },
        }),
        conn,
      },
    ];
    const entries: RecordingEntry[] = [
      ...login(1, 1_000, "s-first"),
      { at: 2_000, conn: 1, event: "close", code: 1006, reason: "" },
      ...login(2, 2_600, "s-second"),
    ];
    const text = [recordingHeaderLine(0), ...entries.map(recordingEntryLine)].join("\n");
    const clock = new FakeClock(0);
    const source = new ReplaySource(parseRecording(text, "two.jsonl"), { clock });
    const client = replayedClient(source, clock, { initialDelayMs: 100, maxDelayMs: 100 });
    const events: StatusEvent[] = [];
    client.onStatus((event) => events.push(event));
    const connected = client.connect();
    await clock.advance(100);
    assert.equal((await connected).sessionId, "s-first");
    await clock.advance(5_000);
    const reconnected = events.find((e) => e.type === "reconnected");
    assert.ok(reconnected && reconnected.type === "reconnected", JSON.stringify(events));
    assert.equal(reconnected.session.sessionId, "s-second");
    assert.equal(source.connections, 2);
    const closed = events.find((e) => e.type === "disconnected");
    assert.ok(closed?.type === "disconnected" && closed.code === 1006);
    await client.close();
  });

  it("plays frames that are due at once in batches, not on one timer each", async () => {
    const entries: RecordingEntry[] = [
      ...recording().entries.slice(0, 4),
      ...Array.from({ length: 2_000 }, () => recv(1_050, { case: "marketDepth", value: ES })),
    ];
    const text = [recordingHeaderLine(0), ...entries.map(recordingEntryLine)].join("\n");
    const fake = new FakeClock(0);
    let timers = 0;
    const clock = {
      now: () => fake.now(),
      setTimeout: (callback: () => void, ms: number) => (timers++, fake.setTimeout(callback, ms)),
      clearTimeout: (handle: unknown) => fake.clearTimeout(handle),
    };
    const source = new ReplaySource(parseRecording(text, "burst.jsonl"), { clock, speed: 1 });
    const client = replayedClient(source, clock);
    let depths = 0;
    client.on("marketDepth", () => depths++);
    const connected = client.connect();
    await fake.advance(100);
    await connected;
    assert.equal(depths, 2_000);
    // The client's own timers (login, heartbeat) and a handful of batches, not one per frame.
    assert.ok(timers < 20, `${timers} timers for 2000 frames`);
    await client.close();
  });
});
