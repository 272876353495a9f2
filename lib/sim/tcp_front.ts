/**
 * A small TCP front (`node:net`) that forwards bytes between clients and the native WebSocket
 * server, so that faults a WebSocket API cannot express are still possible: drop the TCP
 * connection without a close frame, go half-open (stop forwarding, keep the socket), stop reading
 * from the client, or write raw bytes.
 *
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";
import { connect } from "node:net";

/**
 * One client connection through the front: the client's socket and the socket to the native
 * server.
 */
export class FrontPair {
  #client: Socket;
  #upstream: Socket;
  #silent = false;
  #readPaused = false;
  #backpressured = false;

  /**
   * Wraps two connected sockets and starts forwarding.
   *
   * @param client The socket accepted from the client.
   * @param upstream The socket connected to the native server.
   */
  constructor(client: Socket, upstream: Socket) {
    this.#client = client;
    this.#upstream = upstream;
    client.on("data", (chunk: Uint8Array) => {
      if (this.#silent) return;
      if (!upstream.write(chunk)) {
        this.#backpressured = true;
        client.pause();
      }
    });
    upstream.on("drain", () => {
      this.#backpressured = false;
      this.#applyReading();
    });
    upstream.on("data", (chunk: Uint8Array) => {
      if (this.#silent) return;
      if (!client.write(chunk)) upstream.pause();
    });
    client.on("drain", () => upstream.resume());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => {
      if (!this.#silent) client.end();
    });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  }

  /** @returns Whether the pair was silenced by {@linkcode FrontPair.silence}. */
  get silent(): boolean {
    return this.#silent;
  }

  /** Drops the client's TCP connection at once, without a WebSocket close frame. */
  terminate(): void {
    this.#client.destroy();
    this.#upstream.destroy();
  }

  /**
   * Goes half-open: bytes in either direction are discarded and the client's socket stays open
   * until {@linkcode FrontPair.terminate} (or the client gives up).
   */
  silence(): void {
    this.#silent = true;
  }

  /** Stops reading from the client's socket: its frames pile up in the kernel buffers. */
  pauseReading(): void {
    this.#readPaused = true;
    this.#applyReading();
  }

  /** Resumes reading from the client's socket after {@linkcode FrontPair.pauseReading}. */
  resumeReading(): void {
    this.#readPaused = false;
    this.#applyReading();
  }

  /**
   * Writes raw bytes to the client's socket, bypassing WebSocket framing.
   *
   * @param bytes The bytes to write.
   */
  writeRaw(bytes: Uint8Array): void {
    this.#client.write(bytes);
  }

  #applyReading(): void {
    if (this.#readPaused || this.#backpressured) this.#client.pause();
    else this.#client.resume();
  }
}

/** The listening front: accepts clients and connects each to the native server. */
export class TcpFront {
  #server: Server;
  #pairs = new Map<number, FrontPair>();
  #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  /**
   * Starts listening and forwarding to `upstreamPort` on `upstreamHost`.
   *
   * @param hostname The address to listen on.
   * @param port The port to listen on; 0 picks a free one.
   * @param upstreamHost The native server's address.
   * @param upstreamPort The native server's port.
   * @returns The listening front.
   * @throws {Error} When the port cannot be bound.
   */
  static listen(
    hostname: string,
    port: number,
    upstreamHost: string,
    upstreamPort: number,
  ): Promise<TcpFront> {
    return new Promise((resolve, reject) => {
      const server = createServer({ pauseOnConnect: true });
      const front = new TcpFront(server);
      server.on(
        "connection",
        (client: Socket) => front.#accept(client, upstreamHost, upstreamPort),
      );
      server.once("error", reject);
      server.listen(port, hostname, () => {
        server.off("error", reject);
        resolve(front);
      });
    });
  }

  /** @returns The port the front listens on. */
  get port(): number {
    const address = this.#server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  }

  /**
   * Finds the pair whose upstream socket uses `localPort` (the remote port the native server saw),
   * and forgets it.
   *
   * @param localPort The upstream socket's local port.
   * @returns The pair, if known.
   */
  take(localPort: number): FrontPair | undefined {
    const pair = this.#pairs.get(localPort);
    this.#pairs.delete(localPort);
    return pair;
  }

  /**
   * Stops listening, lets sockets finish for up to `graceMs` (so close frames already on their
   * way still arrive), then destroys the rest.
   *
   * @param graceMs How long to wait for sockets to close on their own.
   * @returns A promise that resolves once the listener is closed.
   */
  async close(graceMs = 0): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (let waited = 0; waited < graceMs && this.#sockets.size > 0; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    this.#pairs.clear();
    await closed;
  }

  #accept(client: Socket, upstreamHost: string, upstreamPort: number): void {
    // No Nagle on either side: the front forwards each chunk as its own write, and Nagle plus the
    // peer's delayed ACK would hold a second small write ~40 ms. With both set, two frames written
    // back to back cross the front in about 0.1 ms on Deno and Bun (a client that leaves Nagle on,
    // like Deno's global WebSocket, still stalls on its own side).
    client.setNoDelay(true);
    this.#track(client);
    const upstream = connect({ host: upstreamHost, port: upstreamPort });
    upstream.setNoDelay(true);
    this.#track(upstream);
    let localPort = 0;
    upstream.once("connect", () => {
      localPort = upstream.localPort ?? 0;
      this.#pairs.set(localPort, new FrontPair(client, upstream));
      client.resume();
    });
    upstream.once("close", () => {
      if (this.#pairs.get(localPort) !== undefined) this.#pairs.delete(localPort);
    });
    upstream.once("error", () => client.destroy());
    client.once("error", () => upstream.destroy());
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
  }
}
