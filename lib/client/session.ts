/**
 * The session a successful login yields.
 *
 * @module
 */

import type { LoginResponse } from "../protocol/gen/t4/v1/auth/auth_pb.ts";

/** What `T4Client.connect()` resolves with: the fields of a successful `LoginResponse`. */
export interface Session {
  /** Server-assigned session id. */
  readonly sessionId: string;
  /** The logged-in user's id. */
  readonly userId: string;
  /** The user's firm id. */
  readonly firmId: string;
  /** Roles granted to the session, e.g. `["Trader"]`. */
  readonly roles: readonly string[];
  /** Accounts the user may trade, from the login response. */
  readonly accounts: LoginResponse["accounts"];
  /** Exchanges the user is permissioned for, from the login response. */
  readonly exchanges: LoginResponse["exchanges"];
  /** The whole login response, for fields not surfaced above. */
  readonly response: LoginResponse;
}

/**
 * Builds a {@linkcode Session} from a successful login response.
 *
 * @param response The server's `LoginResponse`.
 * @returns The session.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { sessionFromLoginResponse } from "./session.ts";
 * import { LoginResponseSchema } from "../protocol/proto.ts";
 *
 * const session = sessionFromLoginResponse(create(LoginResponseSchema, { sessionId: "s-1", roles: ["Trader"] }));
 * assert.equal(session.sessionId, "s-1");
 * assert.deepEqual(session.roles, ["Trader"]);
 * ```
 */
export function sessionFromLoginResponse(response: LoginResponse): Session {
  return {
    sessionId: response.sessionId,
    userId: response.userId,
    firmId: response.firmId,
    roles: response.roles,
    accounts: response.accounts,
    exchanges: response.exchanges,
    response,
  };
}
