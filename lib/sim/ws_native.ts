/**
 * The port between the simulator's WebSocket server and a runtime's native server: what an
 * adapter (`ws_server_deno.ts`, `ws_server_bun.ts`) implements.
 *
 * @module
 */

/** A runtime's native WebSocket, as the adapters expose it. */
export interface NativeWs {
  /**
   * Sends a frame.
   *
   * @returns Bun's convention: bytes sent (> 0), -1 when queued under backpressure, 0 when dropped.
   */
  send(data: Uint8Array | string): number;
  /** Sends a close frame. */
  close(code?: number, reason?: string): void;
  /** Bytes not yet written. */
  bufferedAmount(): number;
}

/** Events a native adapter reports. */
export interface NativeEvents {
  /**
   * Decides about an HTTP request before upgrading.
   *
   * @returns A response to send instead of upgrading, or `undefined` to upgrade.
   */
  accept(request: Request): Response | undefined;
  /** A WebSocket opened; `remotePort` identifies the front's upstream socket. */
  open(ws: NativeWs, remotePort: number): void;
  /** A frame arrived. */
  message(ws: NativeWs, data: Uint8Array | string): void;
  /** A WebSocket closed. */
  close(ws: NativeWs, code: number, reason: string): void;
  /** The runtime's send buffer drained (Bun only). */
  drain(ws: NativeWs): void;
}

/** A listening native server. */
export interface NativeServer {
  /** The listening port. */
  readonly port: number;
  /** Stops the server. */
  stop(): Promise<void>;
}

/** The one function a runtime adapter implements. */
export type NativeListen = (hostname: string, events: NativeEvents) => Promise<NativeServer>;
