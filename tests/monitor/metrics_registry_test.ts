/**
 * The Prometheus registry and its HTTP endpoint: a live session against the simulator is scraped
 * over HTTP on 127.0.0.1 (port 0) and the exposition is checked as a scraper reads it (and by
 * promtool when PROMTOOL is set).
 */

import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { SessionMetrics } from "../../lib/client/session_metrics.ts";
import { T4Client } from "../../lib/client/t4_client.ts";
import { createMetricsRegistry, renderMetrics } from "../../lib/monitor/metrics_registry.ts";
import {
  ListenAddressError,
  parseListenAddress,
  serveMetrics,
} from "../../lib/monitor/metrics_server.ts";
import { DEMO_API_KEY, startSimulator } from "../../lib/sim/mod.ts";
import { parseExposition, promtoolCheck, T4FLOW_METRIC_NAMES } from "../_support/prom_text.ts";

const MARKET = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };

/** Polls `check` every 20 ms until it is true, or fails after a generous bound. */
async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function sample(
  families: ReturnType<typeof parseExposition>,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const family = families.get(name.replace(/_(bucket|sum|count)$/, "")) ?? families.get(name);
  return family?.samples.find((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  )?.value;
}

describe("metrics registry and GET /metrics", () => {
  it("serves a live session's metrics, with exactly the documented names, all labelled workflow", async () => {
    await using sim = await startSimulator({ seed: 7, depthIntervalMs: 20 });
    await using client = new T4Client({ url: sim.url, auth: { apiKey: DEMO_API_KEY } });
    const metrics = createMetricsRegistry();
    const check = metrics.workflow("session-check");
    check.session!.observe(client);
    await using server = await serveMetrics(metrics, parseListenAddress("0"));
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await client.connect();
    client.subscribeMarket(MARKET);
    check.session!.subscribed("market_depth", MARKET.marketId);
    await until("two quotes", () => (check.session!.quotes()[0]?.[1].count ?? 0) >= 2);
    check.onRunEvent({
      type: "watch",
      at: new Date().toISOString(),
      name: "quotes_fresh",
      step: "hold 1s",
      detail: "no quote",
    });
    check.onRunEvent({
      type: "alert",
      on: "quotes_fresh",
      event: "quotes_fresh",
      at: new Date().toISOString(),
      message: "m",
      sinks: [{ sink: "stderr", ok: true }, { sink: "webhook", ok: false, error: "503" }],
    });
    check.onRunEvent({
      type: "run_finished",
      at: "2026-11-25T12:00:00.000Z",
      status: "failed",
      exit_code: 1,
      duration_ms: 2_500,
      counts: {
        reconnects: 0,
        disconnects: 0,
        heartbeats_sent: 0,
        heartbeats_received: 0,
        frame_errors: 0,
        stale: 0,
      },
    });

    const response = await fetch(server.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    const families = parseExposition(text);
    assert.deepEqual([...families.keys()].sort(), [...T4FLOW_METRIC_NAMES].sort());
    for (const [name, family] of families) {
      for (const s of family.samples) {
        assert.equal(s.labels.workflow, "session-check", `${name} ${JSON.stringify(s.labels)}`);
      }
    }
    const w = { workflow: "session-check" };
    assert.equal(families.get("t4flow_session_connected")?.type, "gauge");
    assert.equal(families.get("t4flow_login_duration_seconds")?.type, "histogram");
    assert.equal(sample(families, "t4flow_session_connected", w), 1);
    assert.equal(sample(families, "t4flow_logins_total", { ...w, result: "LOGIN_SUCCESS" }), 1);
    assert.equal(sample(families, "t4flow_login_duration_seconds_count", w), 1);
    assert.ok(
      sample(families, "t4flow_frames_received_total", { ...w, payload: "market_depth" })! >= 2,
    );
    assert.equal(
      sample(families, "t4flow_frames_received_total", { ...w, payload: "login_response" }),
      1,
    );
    // Ages are seconds, not a mix of clocks: between 0 and a generous minute.
    const quoteAge = sample(families, "t4flow_quote_age_seconds", {
      ...w,
      market: MARKET.marketId,
    })!;
    const messageAge = sample(families, "t4flow_last_message_age_seconds", w)!;
    assert.ok(quoteAge >= 0 && quoteAge < 60, `quote age ${quoteAge}`);
    assert.ok(messageAge >= 0 && messageAge < 60, `message age ${messageAge}`);
    const firstMessage = check.session!.firstMessages().get(`market_depth:${MARKET.marketId}`)!;
    assert.ok(firstMessage >= 0 && firstMessage < 60_000, `first message after ${firstMessage} ms`);
    assert.equal(
      sample(families, "t4flow_watch_violations_total", { ...w, watch: "quotes_fresh" }),
      1,
    );
    assert.equal(
      sample(families, "t4flow_alerts_total", {
        ...w,
        on: "quotes_fresh",
        sink: "webhook",
        outcome: "failed",
      }),
      1,
    );
    assert.equal(sample(families, "t4flow_runs_total", { ...w, status: "failed" }), 1);
    assert.equal(sample(families, "t4flow_run_duration_seconds_sum", w), 2.5);
    assert.equal(sample(families, "t4flow_last_run_success", w), 0);
    assert.equal(sample(families, "t4flow_last_run_exit_code", w), 1);
    assert.equal(
      sample(families, "t4flow_last_run_timestamp_seconds", w),
      Date.parse("2026-11-25T12:00:00Z") / 1000,
    );
    await promtoolCheck(text);
  });

  it("keeps counting across the clients of successive runs", async () => {
    await using sim = await startSimulator({ seed: 8 });
    const metrics = createMetricsRegistry();
    const check = metrics.workflow("every-minute");
    for (let run = 0; run < 2; run++) {
      await using client = new T4Client({ url: sim.url, auth: { apiKey: DEMO_API_KEY } });
      const stop = check.session!.observe(client);
      await client.connect();
      await client.close();
      stop();
    }
    const families = parseExposition(await renderMetrics(metrics));
    const w = { workflow: "every-minute" };
    assert.equal(sample(families, "t4flow_logins_total", { ...w, result: "LOGIN_SUCCESS" }), 2);
    assert.equal(sample(families, "t4flow_login_duration_seconds_count", w), 2);
    assert.equal(sample(families, "t4flow_session_connected", w), 0);
  });

  it("escapes label values and keeps workflows apart; removeWorkflow drops a workflow's series", async () => {
    const metrics = createMetricsRegistry();
    const odd = 'odd "name" \\ with\nnewline';
    metrics.workflow(odd).recordRun({
      status: "succeeded",
      exitCode: 0,
      durationMs: 1,
      endedAt: 0,
    });
    metrics.workflow("plain", { session: new SessionMetrics() });
    let families = parseExposition(await renderMetrics(metrics));
    const workflows = new Set(
      families.get("t4flow_session_connected")!.samples.map((s) => s.labels.workflow),
    );
    assert.deepEqual(workflows, new Set([odd, "plain"]));
    await promtoolCheck(await renderMetrics(metrics));
    metrics.removeWorkflow(odd);
    const text = await renderMetrics(metrics);
    families = parseExposition(text);
    for (const family of families.values()) {
      for (const s of family.samples) assert.equal(s.labels.workflow, "plain");
    }
  });

  it("answers 404 off /metrics and 405 to other methods", async () => {
    const metrics = createMetricsRegistry();
    await using server = await serveMetrics(metrics, { host: "127.0.0.1", port: 0 });
    const base = server.url.replace(/\/metrics$/, "");
    const notFound = await fetch(`${base}/`);
    assert.equal(notFound.status, 404);
    await notFound.body?.cancel();
    const post = await fetch(server.url, { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
    const head = await fetch(server.url, { method: "HEAD" });
    assert.equal(head.status, 200);
  });

  it("listens on loopback unless a host is given, and names the address it cannot use", async () => {
    assert.deepEqual(parseListenAddress("9464"), { host: "127.0.0.1", port: 9464 });
    assert.deepEqual(parseListenAddress(":9464"), { host: "127.0.0.1", port: 9464 });
    assert.deepEqual(parseListenAddress("localhost:9464"), { host: "localhost", port: 9464 });
    for (const bad of ["", "host", "1:2:3", "99999", "127.0.0.1:"]) {
      assert.throws(() => parseListenAddress(bad), ListenAddressError, bad);
    }
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await assert.rejects(
        serveMetrics(createMetricsRegistry(), { host: "127.0.0.1", port }),
        new RegExp(`^Error: Cannot serve metrics on 127\\.0\\.0\\.1:${port}: EADDRINUSE`),
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
