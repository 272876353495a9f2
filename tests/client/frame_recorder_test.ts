/**
 * FrameRecorder against the embedded simulator: every frame in both directions is written, and
 * no secret (API key, password, app license, authentication token) ever reaches the recording.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { FrameRecorder } from "../../lib/client/frame_recorder.ts";
import { parseRecording, type RecordingFrame } from "../../lib/client/recording_format.ts";
import { T4Client } from "../../lib/client/t4_client.ts";
import { ClientMessageSchema, ServerMessageSchema } from "../../lib/protocol/proto.ts";
import { startSimulator } from "../../lib/sim/mod.ts";

const PASSWORD = "pw-RECORDER-SECRET-7731";
const LICENSE = "lic-RECORDER-SECRET-5520";
const API_KEY = "sk-RECORDER-SECRET-9914";

async function record(auth: ConstructorParameters<typeof T4Client>[0]["auth"]) {
  await using sim = await startSimulator({
    seed: 2,
    users: [
      { apiKey: API_KEY, userId: "api", accounts: ["A-1"] },
      {
        firm: "F",
        username: "u",
        password: PASSWORD,
        appName: "app",
        appLicense: LICENSE,
        userId: "pw",
        accounts: ["A-2"],
      },
    ],
  });
  const lines: string[] = [];
  const tokens: string[] = [];
  {
    await using client = new T4Client({
      url: sim.url,
      auth,
      reconnect: false,
      recorder: new FrameRecorder({ write: (line) => lines.push(line) }),
    });
    const session = await client.connect();
    client.subscribeMarket({
      exchangeId: "CME_Eq",
      contractId: "ES",
      marketId: "XCME_Eq ES (Z26)",
    });
    const depth = new Promise<void>((resolve) => client.on("marketDepth", () => resolve()));
    tokens.push((await client.requestAuthToken()).reveal());
    await depth;
    assert.ok(session.sessionId);
  }
  return { text: lines.join("\n"), tokens: tokens.filter((t) => t.length > 0) };
}

function frames(text: string, event: "send" | "recv"): RecordingFrame[] {
  return parseRecording(text, "mem").entries.filter((e): e is RecordingFrame => e.event === event);
}

describe("FrameRecorder", () => {
  it("writes no password, app license or token, and marks what it blanked", async () => {
    const { text, tokens } = await record({
      firm: "F",
      username: "u",
      password: PASSWORD,
      appName: "app",
      appLicense: LICENSE,
    });
    assert.ok(tokens.length > 0, "the simulator gave a token to look for");
    for (const secret of [PASSWORD, LICENSE, ...tokens]) {
      assert.ok(!text.includes(secret), `a secret is in the recording:\n${text}`);
      const base64 = btoa(secret).replace(/=+$/, "").slice(0, 12);
      assert.ok(!text.includes(base64), "a secret is in the recording as base64");
    }
    const sent = frames(text, "send").map((f) => ({
      message: fromBinary(ClientMessageSchema, f.data),
      redacted: f.redacted,
    }));
    const login = sent.find((f) => f.message.payload.case === "loginRequest");
    assert.ok(login, "the login frame is recorded");
    assert.deepEqual(login.redacted, ["loginRequest.password", "loginRequest.appLicense"]);
    const value = login.message.payload.value as { username: string; password: string };
    assert.equal(value.username, "u");
    assert.equal(value.password, "");
    assert.ok(sent.some((f) => f.message.payload.case === "marketDepthSubscribe"));
    const recv = frames(text, "recv");
    const received = recv.map((f) => fromBinary(ServerMessageSchema, f.data));
    assert.equal(received[0]?.payload.case, "loginResponse");
    assert.deepEqual(recv[0]?.redacted, ["loginResponse.authenticationToken.token"]);
    assert.ok(received.some((m) => m.payload.case === "marketDepth"));
  });

  it("blanks the API key of the login frame", async () => {
    const { text } = await record({ apiKey: API_KEY });
    assert.ok(!text.includes(API_KEY));
    const login = frames(text, "send")[0]!;
    assert.deepEqual(login.redacted, ["loginRequest.apiKey"]);
    const entries = parseRecording(text, "mem").entries;
    assert.deepEqual(entries.slice(0, 2).map((e) => e.event), ["connect", "open"]);
    assert.ok(entries.every((e) => e.conn === 1));
  });
});
