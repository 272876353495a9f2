/**
 * The session a successful login yields, as plain JSON-safe data: no protobuf objects, no BigInt
 * and no secret (the login's authentication token goes to the client's token cache only, see
 * `T4Client.authToken()`).
 *
 * @module
 */

import type { LoginResponse } from "../protocol/gen/t4/v1/auth/auth_pb.ts";
import type { AccountMode, MarketDataType } from "../protocol/gen/t4/v1/common/enums_pb.ts";

/** An account the user may subscribe to and trade on (from the login response). */
export interface SessionAccount {
  /** The account id. */
  readonly accountId: string;
  /** The account number. */
  readonly accountNumber: string;
  /** The account name. */
  readonly accountName: string;
  /** The display name. */
  readonly displayName: string;
  /** The account mode (`AccountMode` wire value). */
  readonly mode: AccountMode;
}

/** An exchange the user is permissioned for (from the login response). */
export interface SessionExchange {
  /** The exchange id, e.g. `"CME_Eq"`. */
  readonly exchangeId: string;
  /** The user id on that exchange. */
  readonly userId: string;
  /** The market-data entitlement (`MarketDataType` wire value). */
  readonly marketDataType: MarketDataType;
  /** Whether the user has an executing account there. */
  readonly hasExecutingAccount: boolean;
  /** Primary user id. */
  readonly primaryUserId: string;
  /** Secondary user id. */
  readonly secondaryUserId: string;
  /** Location. */
  readonly location: string;
  /** Self-match-prevention id. */
  readonly smpId: string;
  /** Extra details. */
  readonly extraDetail: Readonly<Record<string, string>>;
}

/**
 * What `T4Client.connect()` resolves with: the fields of a successful `LoginResponse`, as plain
 * data that `JSON.stringify` always handles and that never contains the session token.
 */
export interface Session {
  /** Server-assigned session id. */
  readonly sessionId: string;
  /** The logged-in user's id. */
  readonly userId: string;
  /** The user's firm id. */
  readonly firmId: string;
  /** The firm name. */
  readonly firm: string;
  /** The user name. */
  readonly username: string;
  /** Roles granted to the session, e.g. `["Trader"]`. */
  readonly roles: readonly string[];
  /** Accounts the user may trade. */
  readonly accounts: readonly SessionAccount[];
  /** Exchanges the user is permissioned for. */
  readonly exchanges: readonly SessionExchange[];
  /** The brand name. */
  readonly brandName: string;
  /** The server's name. */
  readonly serverName: string;
}

/**
 * Builds a {@linkcode Session} from a successful login response (the authentication token is
 * left out).
 *
 * @param response The server's `LoginResponse`.
 * @returns The session, frozen plain data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { sessionFromLoginResponse } from "./session.ts";
 * import { LoginResponseSchema } from "../protocol/proto.ts";
 *
 * const session = sessionFromLoginResponse(create(LoginResponseSchema, {
 *   sessionId: "s-1",
 *   roles: ["Trader"],
 *   accounts: [{ accountId: "A1" }],
 *   authenticationToken: { token: "jwt-secret" },
 * }));
 * assert.equal(session.sessionId, "s-1");
 * assert.equal(session.accounts[0]?.accountId, "A1");
 * assert.ok(!JSON.stringify(session).includes("jwt-secret"));
 * ```
 */
export function sessionFromLoginResponse(response: LoginResponse): Session {
  return Object.freeze({
    sessionId: response.sessionId,
    userId: response.userId,
    firmId: response.firmId,
    firm: response.firm,
    username: response.username,
    roles: Object.freeze([...response.roles]),
    accounts: Object.freeze(response.accounts.map((a) =>
      Object.freeze({
        accountId: a.accountId,
        accountNumber: a.accountNumber,
        accountName: a.accountName,
        displayName: a.displayName,
        mode: a.mode,
      })
    )),
    exchanges: Object.freeze(response.exchanges.map((e) =>
      Object.freeze({
        exchangeId: e.exchangeId,
        userId: e.userId,
        marketDataType: e.marketDataType,
        hasExecutingAccount: e.hasExecutingAccount,
        primaryUserId: e.primaryUserId,
        secondaryUserId: e.secondaryUserId,
        location: e.location,
        smpId: e.smpId,
        extraDetail: Object.freeze({ ...e.extraDetail }),
      })
    )),
    brandName: response.brandName,
    serverName: response.serverName,
  });
}
