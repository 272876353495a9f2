/**
 * The `connection:` section: endpoint, credentials and timing, checked and normalised.
 *
 * @module
 */

import type { ReconnectPolicy } from "../client/backoff.ts";
import { Credentials, type PasswordAuth } from "../client/credentials.ts";
import { isLoopbackUrl } from "../client/loopback.ts";
import { PriceFormat } from "../protocol/gen/t4/v1/enums_t4fast.ts";
import { checkRestBaseUrl } from "../rest/rest_client.ts";
import { InsecureRestUrlError } from "../rest/rest_errors.ts";
import { parseDuration } from "./duration.ts";
import type { WorkflowConnection } from "./workflow_model.ts";
import type { z } from "zod";
import type { WorkflowDocumentSchema } from "./workflow_schema.ts";
import { keyPath, type YamlSource } from "./yaml_source.ts";

/**
 * Checks that a connection gives exactly one endpoint (`env` or `url`; none is fine when the
 * command line gives one), and that a cleartext `ws://` URL goes to loopback only (the one
 * loopback rule, `isLoopbackUrl`) unless `allow_insecure: true`: the credentials would travel
 * unencrypted.
 *
 * @param source Where to report.
 * @param connection The `connection` map.
 * @param requireEndpoint Whether a missing endpoint is an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkEndpoint } from "./check_connection.ts";
 * import { YamlSource } from "./yaml_source.ts";
 *
 * const source = new YamlSource("connection:\n  env: sim\n  url: ws://x\n", "x.yaml");
 * source.parse();
 * checkEndpoint(source, { env: "sim", url: "ws://x" }, true);
 * assert.equal(source.diagnostics[0]?.message, "give either env or url, not both");
 * assert.equal(source.diagnostics[0]?.line, 3);
 *
 * const cleartext = new YamlSource("connection:\n  url: ws://127.0.0.1.nip.io/v1\n", "y.yaml");
 * cleartext.parse();
 * checkEndpoint(cleartext, { url: "ws://127.0.0.1.nip.io/v1" }, true);
 * assert.match(cleartext.diagnostics[0]?.message ?? "", /^cleartext ws:\/\/ to 127\.0\.0\.1\.nip\.io/);
 * ```
 */
export function checkEndpoint(
  source: YamlSource,
  connection: Record<string, unknown>,
  requireEndpoint: boolean,
): void {
  if (connection.env !== undefined && connection.url !== undefined) {
    source.error(
      source.offset(["connection", "url"], "key"),
      "connection.url",
      "give either env or url, not both",
    );
  } else if (requireEndpoint && connection.env === undefined && connection.url === undefined) {
    source.error(
      source.offset(["connection"]),
      "connection",
      "missing env or url, expected 'env: live', 'env: sim' or 'url: wss://...'",
    );
  }
  const url = connection.url;
  if (typeof url !== "string" || connection.allow_insecure === true) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return; // the schema reports a URL that does not parse
  }
  if (parsed.protocol === "ws:" && !isLoopbackUrl(parsed)) {
    source.error(
      source.offset(["connection", "url"]),
      "connection.url",
      `cleartext ws:// to ${parsed.hostname} would send the credentials unencrypted, expected wss:// (ws:// is for 127.0.0.0/8, ::1 and localhost only) or allow_insecure: true`,
    );
  }
}

/**
 * Checks `connection.api`: a valid REST base (`https://`, or `http://` to loopback only), and
 * present when a step uses `market: front` and the endpoint is a custom `url` (a documented
 * `env` has a REST base of its own).
 *
 * @param source Where to report.
 * @param connection The `connection` map.
 * @param usesFront Whether a step uses `market: front`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkApi } from "./check_connection.ts";
 * import { YamlSource } from "./yaml_source.ts";
 *
 * const source = new YamlSource("connection:\n  url: ws://127.0.0.1:8765/v1\n", "x.yaml");
 * source.parse();
 * checkApi(source, { url: "ws://127.0.0.1:8765/v1" }, true);
 * assert.match(source.diagnostics[0]?.message ?? "", /^missing api/);
 * ```
 */
export function checkApi(
  source: YamlSource,
  connection: Record<string, unknown>,
  usesFront: boolean,
): void {
  if (typeof connection.api === "string") {
    try {
      checkRestBaseUrl(connection.api);
    } catch (error) {
      source.error(
        source.offset(["connection", "api"]),
        "connection.api",
        error instanceof InsecureRestUrlError
          ? "http:// is only allowed to loopback, expected an https:// URL"
          : "expected an https:// URL (or http:// to loopback) without user info or query",
      );
    }
    return;
  }
  if (usesFront && connection.url !== undefined && connection.env === undefined) {
    source.error(
      source.offset(["connection"]),
      "connection.api",
      "missing api, expected 'api: https://...' (the REST API base) as a step uses market: front and url is not a documented env",
    );
  }
}

/**
 * Normalises a schema-valid `connection` section (durations in milliseconds).
 *
 * @param c The parsed `connection`.
 * @param credentials Its checked credentials.
 * @returns The connection settings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Credentials } from "../client/credentials.ts";
 * import { toConnection } from "./check_connection.ts";
 *
 * const connection = toConnection(
 *   { env: "sim", auth: { api_key: "k" }, heartbeat: "20s" },
 *   new Credentials({ apiKey: "k" }),
 * );
 * assert.equal(connection.heartbeatMs, 20_000);
 * ```
 */
export function toConnection(
  c: z.infer<typeof WorkflowDocumentSchema>["connection"],
  credentials: Credentials,
): WorkflowConnection {
  const reconnect: Partial<ReconnectPolicy> | false | undefined = c.reconnect === false
    ? false
    : c.reconnect && {
      ...(c.reconnect.initial_delay &&
        { initialDelayMs: parseDuration(c.reconnect.initial_delay)! }),
      ...(c.reconnect.max_delay && { maxDelayMs: parseDuration(c.reconnect.max_delay)! }),
      ...(c.reconnect.max_attempts && { maxAttempts: c.reconnect.max_attempts }),
    };
  return {
    ...(c.env && { env: c.env }),
    ...(c.url && { url: c.url }),
    ...(c.api && { api: c.api }),
    credentials,
    ...(c.heartbeat && { heartbeatMs: parseDuration(c.heartbeat)! }),
    ...(c.missed_heartbeats && { missedHeartbeats: c.missed_heartbeats }),
    ...(c.login_timeout && { loginTimeoutMs: parseDuration(c.login_timeout)! }),
    ...(reconnect !== undefined && { reconnect }),
    ...(c.maintenance !== undefined && { maintenance: c.maintenance }),
    ...(c.allow_insecure !== undefined && { allowInsecure: c.allow_insecure }),
    ...(c.transport !== undefined && { transport: c.transport }),
  };
}

/**
 * Checks that `connection.auth` is complete (an API key alone, or firm, username, password,
 * app name and app license) and warns about literal secrets in the file.
 *
 * @param source Where to report.
 * @param auth The `auth` map.
 * @returns The credentials, or `undefined` after reporting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAuth } from "./check_connection.ts";
 * import { YamlSource } from "./yaml_source.ts";
 *
 * const source = new YamlSource("connection:\n  auth: { api_key: k }\n", "x.yaml");
 * source.parse();
 * assert.ok(checkAuth(source, { api_key: "k" }));
 * assert.match(source.diagnostics[0]?.message ?? "", /^literal API key/);
 * ```
 */
export function checkAuth(
  source: YamlSource,
  auth: Record<string, unknown>,
): Credentials | undefined {
  const path = ["connection", "auth"];
  for (
    const [key, what, example] of [
      ["api_key", "API key", "T4_API_KEY"],
      ["password", "password", "T4_PASSWORD"],
    ] as const
  ) {
    if (typeof auth[key] === "string" && !source.interpolated.has(keyPath([...path, key]))) {
      source.error(
        source.offset([...path, key]),
        keyPath([...path, key]),
        `literal ${what} in the workflow file, expected \${${example}} read from the environment or an --env-file`,
        "warning",
      );
    }
  }
  const passwordKeys = ["firm", "username", "password", "app_name", "app_license"] as const;
  if (auth.api_key !== undefined) {
    const mixed = passwordKeys.filter((k) => auth[k] !== undefined);
    if (mixed.length > 0) {
      source.error(
        source.offset([...path, mixed[0]!], "key"),
        keyPath([...path, mixed[0]!]),
        "give either api_key or firm, username, password, app_name and app_license, not both",
      );
      return undefined;
    }
    return typeof auth.api_key === "string" && auth.api_key
      ? new Credentials({ apiKey: auth.api_key })
      : undefined;
  }
  const missing = passwordKeys.filter((k) => auth[k] === undefined);
  if (missing.length > 0) {
    source.error(
      source.offset(path),
      keyPath(path),
      `missing ${
        missing.join(", ")
      }, expected api_key alone, or firm, username, password, app_name and app_license`,
    );
    return undefined;
  }
  if (passwordKeys.some((k) => typeof auth[k] !== "string" || auth[k] === "")) return undefined;
  const priceFormats: Record<string, PriceFormat> = {
    decimal: PriceFormat.DECIMAL,
    real: PriceFormat.REAL,
    clearing_decimal: PriceFormat.CLEARING_DECIMAL,
  };
  const init: PasswordAuth = {
    firm: auth.firm as string,
    username: auth.username as string,
    password: auth.password as string,
    appName: auth.app_name as string,
    appLicense: auth.app_license as string,
  };
  const format = typeof auth.price_format === "string"
    ? priceFormats[auth.price_format]
    : undefined;
  if (format !== undefined) init.priceFormat = format;
  return new Credentials(init);
}
