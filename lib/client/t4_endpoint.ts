/**
 * The T4 endpoints and the rule that credentials never travel unencrypted: `ws://` is refused
 * to anything but loopback unless explicitly allowed.
 *
 * @module
 */

import { InsecureUrlError } from "./errors.ts";
import { isLoopbackHost } from "./loopback.ts";

/** The two documented T4 endpoints. */
export const T4_ENDPOINTS: Readonly<{ live: string; sim: string }> = Object.freeze({
  live: "wss://wss.t4login.com/v1",
  sim: "wss://wss-sim.t4login.com/v1",
});

/** Where to connect: a URL, or one of the documented endpoints. */
export interface EndpointOptions {
  /** The WebSocket URL; give this or `env`. */
  url?: string;
  /** One of the two documented endpoints ({@linkcode T4_ENDPOINTS}); give this or `url`. */
  env?: "live" | "sim";
  /**
   * Allows `ws://` to hosts other than loopback.
   *
   * @default {false}
   */
  allowInsecure?: boolean;
}

/** A resolved endpoint. */
export interface Endpoint {
  /** The URL to open, as given. */
  url: string;
  /** The URL without user info or query, safe to log and show. */
  displayUrl: string;
}

/**
 * Resolves and checks the endpoint of a client.
 *
 * @param options `url` or `env`, and `allowInsecure`.
 * @returns The URL to open and the one to show.
 * @throws {TypeError} When neither `url` nor `env` is given, or the URL is invalid or not
 *   `ws:`/`wss:`.
 * @throws {InsecureUrlError} When the URL is `ws://` to a non-loopback host without
 *   `allowInsecure`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InsecureUrlError } from "./errors.ts";
import { isLoopbackHost } from "./loopback.ts";
 * import { resolveEndpoint } from "./t4_endpoint.ts";
 *
 * assert.equal(resolveEndpoint({ env: "sim" }).url, "wss://wss-sim.t4login.com/v1");
 * assert.equal(resolveEndpoint({ url: "wss://u:p@t4.example/v1?k=1" }).displayUrl, "wss://t4.example/v1");
 * assert.throws(() => resolveEndpoint({ url: "ws://t4.example/v1" }), InsecureUrlError);
 * ```
 */
export function resolveEndpoint(options: EndpointOptions): Endpoint {
  const raw = options.url ?? (options.env ? T4_ENDPOINTS[options.env] : undefined);
  if (raw === undefined) {
    throw new TypeError(
      "Cannot create the client as neither 'url' nor 'env' is set: pass env: \"live\" | \"sim\" or a url",
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch (cause) {
    throw new TypeError(`Cannot create the client as 'url' is not a valid URL`, { cause });
  }
  const displayUrl = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new TypeError(
      `Cannot create the client as 'url' must use wss:// (or ws:// to loopback): current value is ${displayUrl}`,
    );
  }
  if (
    parsed.protocol === "ws:" && !isLoopbackHost(parsed.hostname) &&
    options.allowInsecure !== true
  ) {
    throw new InsecureUrlError(displayUrl);
  }
  return { url: raw, displayUrl };
}
