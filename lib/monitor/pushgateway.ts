/**
 * Pushes a run's metrics to a Prometheus Pushgateway (`t4flow run --pushgateway URL`), for runs
 * that end before anything could scrape them (cron jobs).
 *
 * @module
 */

import type { SessionMetricsSnapshot } from "../client/session_metrics.ts";
import { createMetricsRegistry, renderMetrics, type RunOutcome } from "./metrics_registry.ts";

/** The Pushgateway job name t4flow pushes under. */
export const PUSHGATEWAY_JOB = "t4flow";

/** What a push did; never throws. */
export interface PushResult {
  /** The push URL without user info. */
  readonly url: string;
  /** `true` when the Pushgateway answered 2xx. */
  readonly ok: boolean;
  /** The HTTP status, when there was an answer. */
  readonly status?: number;
  /** Why it failed (no secret: user info is never shown). */
  readonly error?: string;
}

/**
 * A `--pushgateway` value that is not an `http(s)://` URL: the CLI exits with code 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePushgatewayUrl, PushgatewayUrlError } from "./pushgateway.ts";
 *
 * assert.throws(() => parsePushgatewayUrl("ftp://x"), PushgatewayUrlError);
 * ```
 */
export class PushgatewayUrlError extends Error {
  /** Always `"PushgatewayUrlError"`. */
  override readonly name = "PushgatewayUrlError";
}

/**
 * Checks a Pushgateway base URL.
 *
 * @param value The flag value, e.g. `http://pushgateway:9091`.
 * @returns The URL.
 * @throws {PushgatewayUrlError} When it is not an `http://` or `https://` URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePushgatewayUrl } from "./pushgateway.ts";
 *
 * assert.equal(parsePushgatewayUrl("http://127.0.0.1:9091").host, "127.0.0.1:9091");
 * assert.throws(() => parsePushgatewayUrl("pushgateway:9091"), /must be an http:\/\/ or https:\/\/ URL/);
 * ```
 */
export function parsePushgatewayUrl(value: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new PushgatewayUrlError(
      "Cannot push metrics as '--pushgateway' must be an http:// or https:// URL such as http://127.0.0.1:9091",
    );
  }
  return url;
}

/**
 * The grouping URL of a workflow: `BASE/metrics/job/t4flow/workflow/NAME` (a name with `/` is
 * sent base64url-encoded as `workflow@base64/...`, as the Pushgateway documents).
 *
 * @param base The Pushgateway base URL.
 * @param workflow The workflow name.
 * @returns The URL to `PUT` to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pushgatewayGroupUrl } from "./pushgateway.ts";
 *
 * assert.equal(
 *   pushgatewayGroupUrl(new URL("http://pg:9091/"), "session check").href,
 *   "http://pg:9091/metrics/job/t4flow/workflow/session%20check",
 * );
 * assert.equal(
 *   pushgatewayGroupUrl(new URL("http://pg:9091"), "a/b").pathname,
 *   "/metrics/job/t4flow/workflow@base64/YS9i",
 * );
 * ```
 */
export function pushgatewayGroupUrl(base: URL, workflow: string): URL {
  const url = new URL(base.href);
  const prefix = url.pathname.replace(/\/+$/, "");
  const label = workflow.includes("/") || workflow === ""
    ? `workflow@base64/${_base64url(workflow) || "="}`
    : `workflow/${encodeURIComponent(workflow)}`;
  url.pathname = `${prefix}/metrics/job/${PUSHGATEWAY_JOB}/${label}`;
  url.search = "";
  url.hash = "";
  return url;
}

/** What {@linkcode pushRunMetrics} pushes. */
export interface PushRunMetricsInput {
  /** The workflow name (the grouping key and the `workflow` label). */
  workflow: string;
  /** The run's session numbers (the report's `metrics.session`). */
  session: SessionMetricsSnapshot;
  /** How the run ended. */
  run: RunOutcome;
}

/**
 * Renders one run's session counters and the `t4flow_last_run_*` gauges and `PUT`s them to the
 * workflow's group (replacing what the previous run pushed). Never throws: a failure is in the
 * result.
 *
 * @param base The Pushgateway base URL (from {@linkcode parsePushgatewayUrl}).
 * @param input The workflow, its session numbers and its outcome.
 * @param options `fetch` (for tests) and a timeout in milliseconds (default 10000).
 * @returns What happened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pushRunMetrics } from "./pushgateway.ts";
 * import { SessionMetrics } from "../client/session_metrics.ts";
 *
 * const bodies: string[] = [];
 * const result = await pushRunMetrics(new URL("http://127.0.0.1:9091"), {
 *   workflow: "check",
 *   session: new SessionMetrics().snapshot(),
 *   run: { status: "succeeded", exitCode: 0, durationMs: 2000, endedAt: 1_700_000_000_000 },
 * }, {
 *   fetch: async (_url, init) => {
 *     bodies.push(String(init?.body));
 *     return new Response(null, { status: 200 });
 *   },
 * });
 * assert.equal(result.ok, true);
 * assert.match(bodies[0]!, /^t4flow_last_run_success\{workflow="check"\} 1$/m);
 * ```
 */
export async function pushRunMetrics(
  base: URL,
  input: PushRunMetricsInput,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<PushResult> {
  const target = pushgatewayGroupUrl(base, input.workflow);
  const auth = target.username || target.password
    ? `Basic ${
      btoa(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`)
    }`
    : undefined;
  target.username = "";
  target.password = "";
  const url = target.href;
  const metrics = createMetricsRegistry();
  metrics.workflow(input.workflow, { snapshot: () => input.session }).setLastRun(input.run);
  // Only families with samples: the run's session counters and the last-run gauges.
  const body = (await renderMetrics(metrics)).split("\n\n")
    .filter((family) => family.split("\n").some((line) => line !== "" && !line.startsWith("#")))
    .map((family) => `${family.trimEnd()}\n`).join("");
  try {
    const response = await (options.fetch ?? fetch)(url, {
      method: "PUT",
      headers: { "content-type": metrics.contentType, ...(auth && { authorization: auth }) },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text().catch(() => "");
    if (response.ok) return { url, ok: true, status: response.status };
    return {
      url,
      ok: false,
      status: response.status,
      error: `the Pushgateway answered ${response.status}${
        text.trim() ? `: ${text.trim().slice(0, 200)}` : ""
      }`,
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } })?.cause?.code;
    const message = error instanceof Error ? error.message : String(error);
    return { url, ok: false, error: cause ? `${message} (${cause})` : message };
  }
}

function _base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
