/**
 * The console's session against the embedded simulator: after the server drops the connection it
 * reconnects, logs in again and re-sends the subscriptions typed at the console (and not the ones
 * unsubscribed since), so depth flows again without typing anything.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseClientMessage } from "../../lib/cli/client_message_input.ts";
import { ConsoleSession } from "../../lib/cli/console_session.ts";
import type { ServerMessage } from "../../lib/protocol/proto.ts";
import { startSimulator } from "../../lib/sim/mod.ts";

const KEY = "sk-SESSION-test-SECRET-2291";
const market = (contract: "ES" | "NQ", buffer: string) =>
  parseClientMessage(
    `marketDepthSubscribe: {exchangeId: CME_Eq, contractId: ${contract}, marketId: XCME_Eq ${contract} (Z26), buffer: ${buffer}, depthLevels: NORMAL}`,
  );

/** Resolves when `predicate` holds for something pushed to `list` (checked on every push). */
function until<T>(list: T[], predicate: (item: T) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within 30 s`)), 30_000);
    const push = list.push.bind(list);
    list.push = (...items: T[]) => {
      const n = push(...items);
      if (items.some(predicate)) {
        clearTimeout(timer);
        resolve();
      }
      return n;
    };
  });
}

describe("ConsoleSession", () => {
  it("re-sends the typed subscriptions after a reconnect, without the unsubscribed ones", async () => {
    await using sim = await startSimulator({
      seed: 6,
      depthIntervalMs: 50,
      users: [{ apiKey: KEY, userId: "s", accounts: ["S-1"] }],
    });
    const messages: ServerMessage[] = [];
    const status: string[] = [];
    const session = new ConsoleSession({
      endpoint: { url: sim.url },
      auth: { apiKey: KEY },
      onMessage: (message) => void messages.push(message),
      onStatus: (text) => void status.push(text),
    });
    try {
      await session.start();
      const depthOf = (contract: string) => (m: ServerMessage) =>
        m.payload.case === "marketDepth" && m.payload.value.marketId.includes(` ${contract} `);
      const esDepth = until(messages, depthOf("ES"), "ES depth");
      session.send(market("ES", "SMART"));
      session.send(market("NQ", "SMART"));
      session.send(market("NQ", "NO_SUBSCRIPTION"));
      await esDepth;

      const reconnected = until(status, (s) => s.startsWith("reconnected"), "reconnect");
      await sim.inject({ kind: "drop" });
      await reconnected;
      assert.ok(status.some((s) => s.startsWith("disconnected")), status.join("\n"));
      assert.match(status.find((s) => s.startsWith("reconnected"))!, /1 subscription sent again/);
      messages.length = 0;
      await until(messages, depthOf("ES"), "ES depth after the reconnect");
      assert.ok(!status.join("\n").includes(KEY));
    } finally {
      await session.close();
    }
  });
});
