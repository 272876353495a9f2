/**
 * A `WorkflowClient` for runner tests: the test logs it in, emits status events and payload
 * messages, and reads what the runner asked of it.
 */
import type { Session } from "../../lib/client/session.ts";
import type { StatusEvent } from "../../lib/client/status_event.ts";
import type { T4ClientOptions } from "../../lib/client/t4_client.ts";
import type { WorkflowClient } from "../../lib/workflow/step_runners.ts";

/** A logged-in session as the fake login returns it. */
export const FAKE_SESSION: Session = {
  sessionId: "s-1",
  userId: "u-1",
  firmId: "f-1",
  firm: "",
  username: "",
  roles: [],
  accounts: [],
  exchanges: [],
  brandName: "",
  serverName: "",
};

/** A client whose status events and messages the test emits. */
export class FakeClient implements WorkflowClient {
  readonly listeners = new Set<(event: StatusEvent) => void>();
  readonly handlers = new Map<string, Set<(value: unknown) => void>>();
  readonly stats = {
    reconnects: 0,
    heartbeatsSent: 0,
    heartbeatsReceived: 0,
    frameErrors: 0,
    framesReceived: 0,
  };
  connects = 0;
  closed = false;
  readonly options: T4ClientOptions;
  constructor(options: T4ClientOptions, readonly login: () => Promise<Session>) {
    this.options = options;
  }
  connect(): Promise<Session> {
    this.connects++;
    return this.login();
  }
  onStatus(listener: (event: StatusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: StatusEvent): void {
    for (const listener of this.listeners) listener(event);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** The same client with `on()`, so the runner creates a message hub for expect and watch steps. */
export class FakeMessageClient extends FakeClient {
  on = ((payloadCase: string, handler: (value: unknown) => void) => {
    let set = this.handlers.get(payloadCase);
    if (!set) this.handlers.set(payloadCase, set = new Set());
    set.add(handler);
    return () => set.delete(handler);
  }) as unknown as NonNullable<WorkflowClient["on"]>;
  /** Delivers a payload message (protobuf-es case name, e.g. `marketDepth`). */
  deliver(payloadCase: string, value: unknown): void {
    for (const handler of this.handlers.get(payloadCase) ?? []) handler(value);
  }
}
