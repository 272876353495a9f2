/**
 * The monitor's HTTP handler and the real server under it: the exact `/api/status` JSON, the
 * badge, the page's security headers, server-sent events on a status change, and 404/405.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WorkflowStatus } from "../../lib/monitor/monitor_status.ts";
import { createStatusHandler, type StatusSource } from "../../lib/monitor/status_server.ts";
import { serveHttp } from "../../lib/runtime/http_serve.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";

const T0 = Date.parse("2026-11-25T12:00:00Z");

function source(initial: WorkflowStatus[]): StatusSource & { set(s: WorkflowStatus[]): void } {
  let current = initial;
  const listeners = new Set<() => void>();
  return {
    status: () => current,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      current = next;
      for (const l of listeners) l();
    },
  };
}

const failing: WorkflowStatus = {
  name: "locked <b>desk</b>",
  runs: [
    {
      workflow: "locked <b>desk</b>",
      startedAt: T0 + 60_000,
      durationMs: 31,
      status: "failed",
      exitCode: 3,
      loginMs: 20,
      error: "login: <script>alert(1)</script>",
      alerts: ["firing"],
    },
    {
      workflow: "locked <b>desk</b>",
      startedAt: T0,
      durationMs: 25,
      status: "succeeded",
      exitCode: 0,
      loginMs: 20,
      error: null,
      alerts: [],
    },
  ],
  uptime: 0.5,
  nextRunAt: T0 + 120_000,
};
const pending: WorkflowStatus = { name: "new", runs: [], uptime: null, nextRunAt: null };

describe("monitor HTTP handler", () => {
  it("GET /api/status returns exactly the documented JSON, newest run first", async () => {
    const handler = createStatusHandler(source([failing, pending]));
    const response = await handler.handle(new Request("http://127.0.0.1/api/status"));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.deepEqual(await response.json(), {
      workflows: [
        {
          name: "locked <b>desk</b>",
          status: "failing",
          runs: [
            {
              status: "failed",
              started_at: "2026-11-25T12:01:00.000Z",
              duration_ms: 31,
              exit_code: 3,
              error: "login: <script>alert(1)</script>",
            },
            {
              status: "succeeded",
              started_at: "2026-11-25T12:00:00.000Z",
              duration_ms: 25,
              exit_code: 0,
              error: null,
            },
          ],
          uptime: 0.5,
          next_run_at: "2026-11-25T12:02:00.000Z",
        },
        { name: "new", status: "pending", runs: [], uptime: null, next_run_at: null },
      ],
    });
  });

  it("serves the page with a CSP that runs only its own script", async () => {
    const handler = createStatusHandler(source([]));
    const page = await handler.handle(new Request("http://127.0.0.1/"));
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await page.text();
    assert.match(html, /<script src="\/app\.js" defer><\/script>/);
    assert.doesNotMatch(html, /<script>/, "no inline script");
    const js = await (await handler.handle(new Request("http://127.0.0.1/app.js"))).text();
    assert.doesNotMatch(js, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it("draws badges with the status and the name escaped; unknown names are 404", async () => {
    const handler = createStatusHandler(source([failing, pending]));
    const badge = await handler.handle(
      new Request(`http://127.0.0.1/badges/${encodeURIComponent(failing.name)}.svg`),
    );
    assert.equal(badge.status, 200);
    assert.equal(badge.headers.get("content-type"), "image/svg+xml");
    const svg = await badge.text();
    assert.match(svg, />failing</);
    assert.match(svg, /locked &lt;b&gt;desk&lt;\/b&gt;/);
    assert.doesNotMatch(svg, /<b>/);
    const other = await handler.handle(new Request("http://127.0.0.1/badges/new.svg"));
    assert.match(await other.text(), />pending</);
    const missing = await handler.handle(new Request("http://127.0.0.1/badges/nope.svg"));
    assert.equal(missing.status, 404);
  });

  it("answers 404 for unknown paths and /metrics without a source, 405 for POST", async () => {
    const handler = createStatusHandler(source([]));
    assert.equal((await handler.handle(new Request("http://127.0.0.1/nope"))).status, 404);
    assert.equal((await handler.handle(new Request("http://127.0.0.1/metrics"))).status, 404);
    const head = await handler.handle(
      new Request("http://127.0.0.1/api/events", { method: "HEAD" }),
    );
    assert.equal(head.headers.get("content-type"), "text/event-stream; charset=utf-8");
    assert.equal(handler.streams, 0, "HEAD opens no event stream");
    const post = await handler.handle(new Request("http://127.0.0.1/", { method: "POST" }));
    assert.equal(post.status, 405);
    const metered = createStatusHandler(source([]), {
      metrics: () =>
        Promise.resolve({ contentType: "text/plain; version=0.0.4", body: "t4flow_x 1\n" }),
    });
    const metrics = await metered.handle(new Request("http://127.0.0.1/metrics"));
    assert.equal(await metrics.text(), "t4flow_x 1\n");
  });

  it("pushes the status as server-sent events over a real socket when it changes", async () => {
    const clock = new FakeClock(T0);
    const data = source([pending]);
    const handler = createStatusHandler(data, { clock, keepAliveMs: 1_000 });
    const server = await serveHttp(handler.handle, { hostname: "127.0.0.1", port: 0 });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/api/events`);
      assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      const until = async (pattern: RegExp) => {
        while (!pattern.test(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
          text += value;
        }
      };
      await until(/"status":"pending"/);
      assert.equal(handler.streams, 1);
      data.set([failing, pending]);
      await until(/"status":"failing"/);
      await clock.advance(1_000);
      await until(/: keep-alive\n\n/);
      const events = text.split("\n\n").filter((e) => e.startsWith("event: status"));
      assert.equal(events.length, 2);
      const last = JSON.parse(events[1]!.split("\ndata: ")[1]!);
      assert.equal(last.workflows[0].runs[0].error, "login: <script>alert(1)</script>");
      handler.close();
      await until(/$/);
      const end = await reader.read();
      assert.equal(end.done, true);
      assert.equal(handler.streams, 0);
    } finally {
      handler.close();
      await server.close();
    }
  });

  it("frees an event stream when the client goes away", async () => {
    const handler = createStatusHandler(source([pending]), { keepAliveMs: 50 });
    const server = await serveHttp(handler.handle, { hostname: "127.0.0.1", port: 0 });
    try {
      const client = new AbortController();
      const response = await fetch(`http://127.0.0.1:${server.port}/api/events`, {
        signal: client.signal,
      });
      await response.body!.getReader().read();
      assert.equal(handler.streams, 1);
      client.abort();
      for (let i = 0; i < 400 && handler.streams > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.equal(handler.streams, 0);
    } finally {
      handler.close();
      await server.close();
    }
  });
});
