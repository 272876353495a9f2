import assert from "node:assert/strict";
import { inspect } from "node:util";
import { after, before, describe, it } from "node:test";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import type { StatusEvent } from "../../lib/client/status_event.ts";
import { T4Client } from "../../lib/client/t4_client.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { FakeNetwork } from "../_support/fake_websocket.ts";

const PASSWORD = "hunter2-Pa55word-xyz";
const LICENSE = "license-9f8e7d6c";
const API_KEY = "sk-live-0123456789abcdef";
const SECRETS = [PASSWORD, LICENSE, API_KEY];

const lines: string[] = [];

function render(record: LogRecord): string {
  return [
    record.category.join("."),
    record.level,
    record.message.map((part) => typeof part === "string" ? part : inspect(part)).join(""),
    inspect(record.properties, { depth: 8, showHidden: true }),
    JSON.stringify(record.properties, (_k, v) => typeof v === "bigint" ? String(v) : v),
  ].join(" | ");
}

function assertClean(text: string, where: string): void {
  for (const secret of SECRETS) {
    assert.ok(!text.includes(secret), `${where} contains a secret: ${text}`);
  }
}

describe("T4Client never shows credentials", () => {
  before(async () => {
    await configure({
      sinks: { capture: (record) => lines.push(render(record)) },
      loggers: [
        { category: ["t4flow"], lowestLevel: "debug", sinks: ["capture"] },
        { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      ],
    });
  });
  after(async () => {
    await reset();
  });

  for (
    const auth of [
      { apiKey: API_KEY },
      { firm: "Firm", username: "trader", password: PASSWORD, appName: "App", appLicense: LICENSE },
    ]
  ) {
    it(`keeps ${"apiKey" in auth ? "an API key" : "a password"} out of logs, errors, events and inspect`, async () => {
      lines.length = 0;
      const mine = "apiKey" in auth ? [API_KEY] : [PASSWORD, LICENSE];
      const clock = new FakeClock(Date.parse("2026-11-25T12:00:00Z"));
      const net = new FakeNetwork();
      const errors: unknown[] = [];
      const events: StatusEvent[] = [];
      const client = new T4Client({
        url: "wss://t4.test/v1",
        auth,
        clock,
        WebSocket: net.WebSocket,
        heartbeatMs: 1000,
      });
      client.onStatus((e) => events.push(e));
      client.on("marketDepth", () => {
        throw new Error("handler failure");
      });

      // A refused login whose server message echoes the secret.
      const refused = client.connect().catch((e) => errors.push(e));
      net.last.open();
      net.last.login(LoginResult.UNAUTHORIZED, "", `bad credentials ${mine.join(" ")}`);
      await refused;

      // A good session with every kind of trouble.
      const ok = client.connect();
      net.last.open();
      net.last.login();
      await ok;
      net.last.raw("text frame");
      net.last.raw(new Uint8Array([0xff, 0xff]).buffer);
      net.last.reply({ payload: { case: "marketDepth", value: { marketId: "m" } } });
      const lost = client.submitOrder({ accountId: "a", marketId: "m", orders: [{ volume: 1 }] })
        .catch((e) => e);
      await clock.advance(5000); // dead peer and reconnect attempts
      errors.push(await lost);
      net.last.open();
      net.last.drop(1011, `server says ${mine[0]}`);
      await clock.advance(5000);
      net.last.open();
      net.last.login(LoginResult.LOCKED_OUT, "", `locked ${mine.at(-1)}`);
      await clock.advance(0);
      errors.push(
        await client.submitOrder({ accountId: "a", marketId: "m", orders: [{ volume: 1 }] }).catch((
          e,
        ) => e),
      );
      await client.close();

      assert.ok(lines.length > 5, "logs were captured");
      assert.ok(events.some((e) => e.type === "login_failed"));
      assert.ok(errors.length >= 2);
      for (const line of lines) assertClean(line, "log line");
      for (const event of events) {
        assertClean(
          JSON.stringify(event, (_k, v) => typeof v === "bigint" ? String(v) : v),
          "status event",
        );
        assertClean(inspect(event, { depth: 8 }), "status event");
      }
      for (const error of errors) {
        assertClean(inspect(error, { depth: 8, showHidden: true }), "error");
        assertClean(String((error as Error).message), "error message");
      }
      assertClean(inspect(client, { depth: 8, showHidden: true }), "client");
      assertClean(JSON.stringify(client) ?? "", "client JSON");
      const deno = (globalThis as { Deno?: { inspect(v: unknown, o?: unknown): string } }).Deno;
      if (deno) {
        assertClean(deno.inspect(client, { depth: 8, showHidden: true }), "client Deno.inspect");
      }
    });
  }
});
