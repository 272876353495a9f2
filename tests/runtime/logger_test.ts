/**
 * The library logs through the application's LogTape configuration without importing LogTape
 * itself (lib/runtime/logger.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { t4flowLogger } from "../../lib/runtime/logger.ts";
import { startupGraph } from "../_support/module_graph.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("records reach the sinks the application configured, with level, category and properties", async () => {
  const records: LogRecord[] = [];
  await configure({
    sinks: { memory: (record) => void records.push(record) },
    loggers: [
      { category: ["t4flow"], lowestLevel: "debug", sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  try {
    const log = t4flowLogger("client");
    log.debug("Connecting to {url}", { url: "wss://example" });
    log.info("Logged in");
    log.warn("Disconnected: {reason}", { reason: "timeout" });
    log.error("A handler threw: {error}", { error: "boom" });
    t4flowLogger("monitor").info("Other part");
  } finally {
    await reset();
  }
  assert.deepEqual(
    records.map((r) => [r.level, r.category.join("."), r.properties]),
    [
      ["debug", "t4flow.client", { url: "wss://example" }],
      ["info", "t4flow.client", {}],
      ["warning", "t4flow.client", { reason: "timeout" }],
      ["error", "t4flow.client", { error: "boom" }],
      ["info", "t4flow.monitor", {}],
    ],
  );
});

test("records below the configured level and other categories' sinks get nothing", async () => {
  const records: LogRecord[] = [];
  await configure({
    sinks: { memory: (record) => void records.push(record) },
    loggers: [
      { category: ["t4flow", "rest"], lowestLevel: "warning", sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  try {
    t4flowLogger("rest").info("Not shown");
    t4flowLogger("client").error("Not this category");
    t4flowLogger("rest").warn("Shown");
  } finally {
    await reset();
  }
  assert.deepEqual(records.map((r) => r.message.join("")), ["Shown"]);
});

test("import { T4Client } does not load LogTape", () => {
  const packages = [...startupGraph(root, "mod.ts").packages.keys()];
  assert.ok(!packages.some((p) => p.startsWith("@logtape/")), packages.join(", "));
});
