/**
 * The former `T4Client` class doc example, as a test: a socket that opens and answers the login
 * in microtasks. Deno runs pending microtasks inside the first `setTimeout` of a test process
 * (lazy timer setup), so a client that armed its login timer before attaching the socket's
 * handlers got the open event with nobody listening and hung until the login timeout. This file
 * must stay on its own: the client's login timer has to be the process's first timer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { WebSocketLike } from "../../lib/client/web_socket_like.ts";
import { T4Client } from "../../lib/client/t4_client.ts";
import { encodeServerMessage } from "../../lib/protocol/frame_codec.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";

interface _DenoTest {
  test(options: { name: string; fn: () => Promise<void> }): void;
}

function firstTest(name: string, fn: () => Promise<void>): void {
  const deno = (globalThis as { Deno?: _DenoTest }).Deno;
  if (deno) deno.test({ name, fn });
  else test(name, fn);
}

firstTest("T4Client never misses an open event delivered in a microtask", async () => {
  class OneShotSocket implements WebSocketLike {
    binaryType: BinaryType = "blob";
    readyState = 0;
    onopen: WebSocketLike["onopen"] = null;
    onmessage: WebSocketLike["onmessage"] = null;
    onclose: WebSocketLike["onclose"] = null;
    onerror: WebSocketLike["onerror"] = null;
    constructor(_url: string) {
      queueMicrotask(() => {
        this.readyState = 1;
        this.onopen?.(new Event("open"));
      });
    }
    send(_data: Uint8Array): void {
      const reply = encodeServerMessage({
        payload: {
          case: "loginResponse",
          value: { result: LoginResult.SUCCESS, sessionId: "s-1" },
        },
      });
      queueMicrotask(() =>
        this.onmessage?.(new MessageEvent("message", { data: reply.slice().buffer }))
      );
    }
    close(code = 1000, reason = ""): void {
      this.readyState = 3;
      queueMicrotask(() => this.onclose?.({ code, reason } as CloseEvent));
    }
  }
  const client = new T4Client({
    url: "wss://t4.example/v1",
    auth: { apiKey: "key" },
    WebSocket: OneShotSocket,
    loginTimeoutMs: 30_000,
  });
  const session = await client.connect();
  assert.equal(session.sessionId, "s-1");
  await client.close();
});
