/**
 * Why a WebSocket connection failed. A WebSocket's error event says nothing about the cause, so
 * after a failure the endpoint is probed with plain DNS, TCP, TLS and HTTP attempts: the host does
 * not resolve, nothing listens, the TLS handshake fails, or the server answers the upgrade with an
 * HTTP status other than 101.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { connect as tcpConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

/** What the probe found. */
export interface ProbeResult {
  /** The cause, e.g. `refused`, `dns`, `tls`, `http`, `timeout`. */
  readonly cause: "dns" | "refused" | "timeout" | "tls" | "http" | "network" | "unknown";
  /** What happened, e.g. `nothing listens on 127.0.0.1:9 (connection refused)`. */
  readonly detail: string;
  /** What to try, e.g. `is 't4flow sim' running?` (empty when there is nothing to suggest). */
  readonly hint: string;
}

/**
 * Probes a `ws://` or `wss://` endpoint to explain a failed connection.
 *
 * @param url The WebSocket URL.
 * @param timeoutMs Time allowed for each attempt.
 * @returns The cause, a description and a hint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:net";
 * import { probeEndpoint } from "./connection_probe.ts";
 *
 * // A port nothing listens on: take a free one and close it again.
 * const server = createServer();
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as { port: number };
 * await new Promise((resolve) => server.close(resolve));
 * const result = await probeEndpoint(`ws://127.0.0.1:${port}/v1`);
 * assert.equal(result.cause, "refused");
 * assert.equal(result.hint, "is `t4flow sim` running? Start it with `t4flow sim --port " + port + "`");
 * ```
 */
export async function probeEndpoint(url: string, timeoutMs = 5_000): Promise<ProbeResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { cause: "unknown", detail: "the URL is not valid", hint: "" };
  }
  const secure = parsed.protocol === "wss:";
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const port = Number(parsed.port || (secure ? 443 : 80));
  const loopback = _isLoopback(host);
  const simHint = loopback
    ? `is \`t4flow sim\` running? Start it with \`t4flow sim --port ${port}\``
    : "";

  if (isIP(host) === 0) {
    try {
      await _withTimeout(lookup(host), timeoutMs, "DNS lookup");
    } catch (error) {
      const code = (error as { code?: string }).code ?? "error";
      return {
        cause: "dns",
        detail: `the host name ${host} does not resolve (DNS: ${code})`,
        hint: "check the host name in the URL, or the machine's DNS and network",
      };
    }
  }

  let socket: Socket;
  try {
    socket = await _open(host, port, secure, timeoutMs);
  } catch (error) {
    const e = error as { code?: string; message?: string; stage?: string };
    if (e.stage === "tls") {
      return {
        cause: "tls",
        detail: `the TLS handshake with ${host}:${port} failed (${e.code ?? e.message ?? "error"})`,
        hint: loopback
          ? "the local simulator speaks plain ws://: use ws:// instead of wss://"
          : "check the certificate and that the server speaks TLS on this port",
      };
    }
    if (e.code === "ECONNREFUSED") {
      return {
        cause: "refused",
        detail: `nothing listens on ${host}:${port} (connection refused)`,
        hint: simHint || "check the host and port, and that the server is up",
      };
    }
    if (e.code === "ETIMEDOUT" || e.code === "TIMEOUT") {
      return {
        cause: "timeout",
        detail: `${host}:${port} does not answer (no reply within ${timeoutMs / 1000} s)`,
        hint: "check the host and port, and any firewall or proxy in between",
      };
    }
    return {
      cause: "network",
      detail: `cannot reach ${host}:${port} (${e.code ?? e.message ?? "error"})`,
      hint: simHint,
    };
  }

  try {
    const status = await _withTimeout(
      _upgradeStatus(socket, parsed, host, port),
      timeoutMs,
      "the HTTP answer",
    );
    if (status !== undefined && status.code !== 101) {
      return {
        cause: "http",
        detail: `the server answered the WebSocket upgrade with HTTP ${status.code}${
          status.text ? ` ${status.text}` : ""
        }`,
        hint: status.code === 404
          ? `check the URL's path (${parsed.pathname}); T4 and \`t4flow sim\` serve /v1`
          : status.code === 401 || status.code === 403
          ? "the server refuses this client: check the URL and any proxy"
          : "check the URL",
      };
    }
  } catch {
    // No usable HTTP answer: nothing more to say than the socket error.
  } finally {
    socket.destroy();
  }
  return { cause: "unknown", detail: "the connection failed", hint: simHint };
}

function _isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

function _open(host: string, port: number, secure: boolean, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tlsConnect({ host, port, servername: isIP(host) === 0 ? host : "" })
      : tcpConnect({ host, port });
    let connected = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error("timed out"), { code: "TIMEOUT" }));
    }, timeoutMs);
    socket.once("connect", () => (connected = true));
    socket.once(secure ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("error", (error: Error & { code?: string }) => {
      clearTimeout(timer);
      socket.destroy();
      // A refusal is a TCP matter even on wss://; anything after the TCP connect is TLS.
      reject(Object.assign(error, { stage: secure && connected ? "tls" : "tcp" }));
    });
  });
}

function _upgradeStatus(
  socket: Socket,
  url: URL,
  host: string,
  port: number,
): Promise<{ code: number; text: string } | undefined> {
  return new Promise((resolve, reject) => {
    let head = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      head += chunk;
      const line = head.split("\r\n")[0];
      if (line === undefined || !head.includes("\r\n")) return;
      const match = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\s*(.*)$/.exec(line);
      resolve(match ? { code: Number(match[1]), text: (match[2] ?? "").slice(0, 80) } : undefined);
    });
    socket.once("error", reject);
    socket.once("end", () => resolve(undefined));
    socket.write(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${host}:${port}\r\n` +
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dDRmbG93LXByb2JlLWtleQ==\r\n\r\n",
    );
  });
}

function _withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what} timed out`), { code: "TIMEOUT" })),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
