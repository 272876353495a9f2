/**
 * A TCP or TLS byte stream from the runtime, for the `transport: "socket"` WebSocket client
 * (`lib/client/socket_web_socket.ts`): `Deno.connect` / `Deno.connectTls` on Deno, `node:net` /
 * `node:tls` elsewhere (Bun, Node). Reads go into one reused buffer: each chunk handed to
 * `onData` is valid only during that call.
 *
 * TLS certificates are always validated, against the system roots or `caCerts`, for the host name
 * of the URL, which is also sent as SNI.
 *
 * @module
 */

import type { Socket } from "node:net";

/** Where and how to connect. */
export interface TcpConnectOptions {
  /** Host name or IP address; for TLS also the name the certificate must carry (and the SNI). */
  hostname: string;
  /** Port. */
  port: number;
  /** Wrap the connection in TLS. */
  tls: boolean;
  /** PEM certificates to trust instead of the system roots (tests, private CAs). */
  caCerts?: readonly string[];
}

/** An open byte stream. */
export interface ByteConnection {
  /** Writes all of `bytes`; rejects when the connection fails. */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Reads until the peer ends the stream (resolves) or the connection fails (rejects). Each chunk
   * is a view into a reused buffer, valid only until `onData` returns.
   */
  readLoop(onData: (chunk: Uint8Array) => void): Promise<void>;
  /** Closes the connection at once (idempotent); a pending `readLoop` resolves. */
  close(): void;
}

/** Size of the reused read buffer. */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * Opens a TCP (or TLS) connection.
 *
 * @param options Host, port, TLS and trusted certificates.
 * @returns The open connection.
 * @throws {Error} When the connection or the TLS handshake fails (a certificate that does not
 *   validate included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:net";
 * import { connectTcp } from "./tcp_connection.ts";
 *
 * const server = createServer((socket) => socket.end("hello"));
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as { port: number };
 * const connection = await connectTcp({ hostname: "127.0.0.1", port, tls: false });
 * let text = "";
 * await connection.readLoop((chunk) => void (text += new TextDecoder().decode(chunk)));
 * connection.close();
 * server.close();
 * assert.equal(text, "hello");
 * ```
 */
export function connectTcp(options: TcpConnectOptions): Promise<ByteConnection> {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  return deno?.connect !== undefined ? _connectDeno(deno, options) : _connectNode(options);
}

async function _connectDeno(
  deno: typeof Deno,
  options: TcpConnectOptions,
): Promise<ByteConnection> {
  const conn: Deno.Conn = options.tls
    ? await deno.connectTls({
      hostname: options.hostname,
      port: options.port,
      ...(options.caCerts !== undefined && { caCerts: [...options.caCerts] }),
    })
    : await deno.connect({ hostname: options.hostname, port: options.port, transport: "tcp" });
  if (!options.tls) (conn as Deno.TcpConn).setNoDelay(true);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch {
      // already closed by the runtime
    }
  };
  return {
    async write(bytes) {
      let offset = 0;
      while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
    },
    async readLoop(onData) {
      const buffer = new Uint8Array(READ_BUFFER_BYTES);
      try {
        for (;;) {
          const n = await conn.read(buffer);
          if (n === null || closed) return;
          onData(buffer.subarray(0, n));
        }
      } catch (error) {
        if (closed) return;
        throw error;
      }
    },
    close,
  };
}

async function _connectNode(options: TcpConnectOptions): Promise<ByteConnection> {
  const socket: Socket = options.tls
    ? (await import("node:tls")).connect({
      host: options.hostname,
      port: options.port,
      // SNI carries a host name, never an IP address (RFC 6066).
      ...(!/^[\d.]+$|:/.test(options.hostname) && { servername: options.hostname }),
      ...(options.caCerts !== undefined && { ca: [...options.caCerts] }),
    })
    : (await import("node:net")).connect({ host: options.hostname, port: options.port });
  socket.setNoDelay(true);
  socket.pause();
  await new Promise<void>((resolve, reject) => {
    socket.once(options.tls ? "secureConnect" : "connect", () => {
      socket.off("error", reject);
      resolve();
    });
    socket.once("error", reject);
  });
  return {
    write(bytes) {
      return new Promise((resolve, reject) => {
        socket.write(bytes, (error) => (error ? reject(error) : resolve()));
      });
    },
    readLoop(onData) {
      return new Promise((resolve, reject) => {
        socket.on("data", (chunk: Uint8Array) => {
          try {
            onData(chunk);
          } catch (error) {
            socket.removeAllListeners("data");
            socket.pause();
            reject(error);
          }
        });
        socket.once("end", () => resolve());
        socket.once("close", () => resolve());
        socket.once("error", reject);
        socket.resume();
      });
    },
    close() {
      socket.destroy();
    },
  };
}
