/**
 * The one loopback rule of t4flow, shared by the client's cleartext guard, the workflow order
 * guard, the REST client and `t4flow validate`: a host is loopback when it is a literal IPv4
 * address in `127.0.0.0/8`, the literal IPv6 address `::1`, or the name `localhost`. Nothing
 * else: not `127.attacker.example`, not `127.0.0.1.nip.io`, not `localhost.example`.
 *
 * @module
 */

const _IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Tells whether a host name (as `URL.hostname` gives it) is loopback: a literal IPv4 address in
 * `127.0.0.0/8`, the literal `::1` (with or without brackets), or the name `localhost`
 * (case-insensitive). Names that merely start with `127.` or contain `localhost` are not.
 *
 * @param hostname The host, e.g. `"127.0.0.1"`, `"[::1]"`, `"localhost"`.
 * @returns Whether it is loopback.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLoopbackHost } from "./loopback.ts";
 *
 * assert.ok(isLoopbackHost("127.0.0.1"));
 * assert.ok(isLoopbackHost("127.5.6.7"));
 * assert.ok(isLoopbackHost("[::1]"));
 * assert.ok(isLoopbackHost("localhost"));
 * assert.ok(!isLoopbackHost("127.attacker.example"));
 * assert.ok(!isLoopbackHost("127.0.0.1.nip.io"));
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host === "::1" || host === "[::1]") return true;
  const m = _IPV4.exec(host);
  if (m === null) return false;
  for (let i = 1; i <= 4; i++) if (Number(m[i]) > 255) return false;
  return m[1] === "127";
}

/**
 * Tells whether a URL points at a loopback host ({@linkcode isLoopbackHost}). The URL is parsed
 * with the WHATWG parser first, so spellings such as `http://127.1/` are normalised to
 * `127.0.0.1` before the check.
 *
 * @param url The URL.
 * @returns Whether its host is loopback; `false` when it does not parse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLoopbackUrl } from "./loopback.ts";
 *
 * assert.ok(isLoopbackUrl("ws://127.0.0.1:8080/v1"));
 * assert.ok(isLoopbackUrl("ws://[::1]:8080/v1"));
 * assert.ok(!isLoopbackUrl("ws://127.attacker.example/v1"));
 * assert.ok(!isLoopbackUrl("not a url"));
 * ```
 */
export function isLoopbackUrl(url: string | URL): boolean {
  let parsed: URL;
  try {
    parsed = typeof url === "string" ? new URL(url) : url;
  } catch {
    return false;
  }
  return isLoopbackHost(parsed.hostname);
}
