/**
 * Pushing a run's metrics to a Pushgateway: a local HTTP server on 127.0.0.1 (port 0) plays the
 * Pushgateway and records what arrives; failures are reported, never thrown.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionMetrics } from "../../lib/client/session_metrics.ts";
import {
  parsePushgatewayUrl,
  PushgatewayUrlError,
  pushRunMetrics,
} from "../../lib/monitor/pushgateway.ts";
import { fakePushgateway } from "../_support/fake_pushgateway.ts";
import { parseExposition, promtoolCheck } from "../_support/prom_text.ts";

const RUN = {
  status: "succeeded" as const,
  exitCode: 0,
  durationMs: 4_250,
  endedAt: 1_764_590_400_000,
};

describe("pushRunMetrics", () => {
  it("PUTs the session counters and the last-run gauges to the workflow's group", async () => {
    await using gateway = await fakePushgateway();
    const session = new SessionMetrics();
    const result = await pushRunMetrics(parsePushgatewayUrl(gateway.url), {
      workflow: "session check",
      session: { ...session.snapshot(), reconnects: 2, logins: { LOGIN_SUCCESS: 3 } },
      run: RUN,
    });
    assert.deepEqual(result, {
      url: `${gateway.url}/metrics/job/t4flow/workflow/session%20check`,
      ok: true,
      status: 200,
    });
    assert.equal(gateway.received.length, 1);
    const push = gateway.received[0]!;
    assert.equal(push.method, "PUT");
    assert.equal(push.url, "/metrics/job/t4flow/workflow/session%20check");
    assert.equal(push.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    const families = parseExposition(push.body);
    const value = (name: string) => families.get(name)?.samples[0]?.value;
    assert.equal(value("t4flow_last_run_success"), 1);
    assert.equal(value("t4flow_last_run_exit_code"), 0);
    assert.equal(value("t4flow_last_run_duration_seconds"), 4.25);
    assert.equal(value("t4flow_last_run_timestamp_seconds"), 1_764_590_400);
    assert.equal(value("t4flow_reconnects_total"), 2);
    assert.equal(value("t4flow_logins_total"), 3);
    assert.equal(families.has("t4flow_heartbeats_sent_total"), true);
    // Only one run's numbers: no run counters or histograms that would reset on every push.
    assert.equal(families.has("t4flow_runs_total"), false);
    assert.equal(families.has("t4flow_run_duration_seconds"), false);
    for (const family of families.values()) {
      for (const s of family.samples) assert.equal(s.labels.workflow, "session check");
    }
    await promtoolCheck(push.body);
  });

  it("sends user info as basic auth and never shows it", async () => {
    await using gateway = await fakePushgateway(500);
    const base = gateway.url.replace("http://", "http://pusher:s3cret-pass@");
    const result = await pushRunMetrics(parsePushgatewayUrl(base), {
      workflow: "a/b",
      session: new SessionMetrics().snapshot(),
      run: { ...RUN, status: "failed", exitCode: 3 },
    });
    assert.equal(result.ok, false);
    assert.equal(result.status, 500);
    assert.equal(result.error, "the Pushgateway answered 500: pushed metrics are invalid");
    assert.equal(JSON.stringify(result).includes("s3cret"), false);
    assert.equal(result.url, `${gateway.url}/metrics/job/t4flow/workflow@base64/YS9i`);
    const push = gateway.received[0]!;
    assert.equal(
      push.headers.authorization,
      `Basic ${btoa("pusher:s3cret-pass")}`,
    );
    assert.match(push.body, /^t4flow_last_run_success\{workflow="a\/b"\} 0$/m);
    assert.match(push.body, /^t4flow_last_run_exit_code\{workflow="a\/b"\} 3$/m);
  });

  it("reports a Pushgateway that cannot be reached instead of throwing", async () => {
    let port: number;
    {
      await using gateway = await fakePushgateway();
      port = gateway.port;
    }
    const result = await pushRunMetrics(parsePushgatewayUrl(`http://127.0.0.1:${port}`), {
      workflow: "w",
      session: new SessionMetrics().snapshot(),
      run: RUN,
    });
    assert.equal(result.ok, false);
    assert.equal(result.status, undefined);
    assert.ok(result.error && result.error.length > 0);
  });

  it("accepts only http and https URLs", () => {
    for (const bad of ["127.0.0.1:9091", "ftp://x", "ws://x:9091", ""]) {
      assert.throws(() => parsePushgatewayUrl(bad), PushgatewayUrlError, bad);
    }
  });
});
