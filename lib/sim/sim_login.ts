/**
 * The simulator's logins: API-key and password authentication, lockout after repeated failures,
 * application checks, the duplicate-login policy, and authentication tokens.
 *
 * @module
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { AccountMode, LoginResult, MarketDataType } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type {
  AuthenticationTokenSchema,
  LoginRequest,
} from "../protocol/gen/t4/v1/auth/auth_pb.ts";
import { loginResultName, parseLoginResultName } from "../protocol/login_result.ts";
import type { DuplicateLoginPolicy } from "./sim_config.ts";
import type { SimCore, SimSession, SimUserState } from "./sim_core.ts";
import { simLoginErrorMessage } from "./sim_login_messages.ts";

/** Login settings of {@linkcode SimLogin}. */
export interface SimLoginOptions {
  /** Failed logins after which a user is locked out. */
  lockoutThreshold: number;
  /** What a second login of the same user does. */
  duplicateLogin: DuplicateLoginPolicy;
  /** Lifetime of authentication tokens in ms. */
  tokenTtlMs: number;
}

/**
 * Logins and authentication tokens of the simulator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "../runtime/clock.ts";
 * import { DEFAULT_SIM_MARKETS, DEFAULT_SIM_USERS } from "./sim_config.ts";
 * import { SimCore } from "./sim_core.ts";
 * import { SimLogin } from "./sim_login.ts";
 *
 * const core = new SimCore({
 *   clock: systemClock,
 *   seed: 1,
 *   users: DEFAULT_SIM_USERS,
 *   markets: DEFAULT_SIM_MARKETS,
 *   bookDepth: 10,
 *   accountBalance: 1000,
 * });
 * const login = new SimLogin(core, {
 *   lockoutThreshold: 5,
 *   duplicateLogin: "kick_first",
 *   tokenTtlMs: 60_000,
 * });
 * const token = login.token(core.users[0]!, "r1");
 * assert.equal(token.token?.split(".").length, 3);
 * ```
 */
export class SimLogin {
  readonly #core: SimCore;
  readonly #lockout: number;
  readonly #duplicate: DuplicateLoginPolicy;
  readonly #tokenTtl: number;

  /**
   * Creates the login logic.
   *
   * @param core The simulator's state.
   * @param options Lockout, duplicate-login policy and token lifetime.
   */
  constructor(core: SimCore, options: SimLoginOptions) {
    this.#core = core;
    this.#lockout = options.lockoutThreshold;
    this.#duplicate = options.duplicateLogin;
    this.#tokenTtl = options.tokenTtlMs;
  }

  /**
   * Answers a login request; on success the session is logged in (and, per the duplicate-login
   * policy, the user's other sessions are kicked).
   *
   * @param session The session.
   * @param request The request.
   * @returns Whether the session is now logged in.
   */
  login(session: SimSession, request: LoginRequest): boolean {
    const { result, state } = this.#authenticate(request);
    if (result !== LoginResult.SUCCESS || state === undefined) {
      this.#core.stats.failedLogins++;
      // Like the real server, a refusal says why (a config's `errorMessage` replaces it).
      const errorMessage = state?.user.errorMessage ?? simLoginErrorMessage(result);
      this.#core.log(
        `login refused: ${loginResultName(result)} for ${_who(request, state)} (${errorMessage})`,
      );
      this.#core.send(session, {
        case: "loginResponse",
        value: errorMessage === undefined ? { result } : { result, errorMessage },
      });
      return false;
    }
    const others = [...state.sessions].filter((s) => s !== session);
    if (others.length > 0 && this.#duplicate === "reject_second") {
      this.#core.stats.failedLogins++;
      this.#core.log(`login refused: LOGGED_IN_ELSEWHERE for user ${state.userId}`);
      this.#core.send(session, {
        case: "loginResponse",
        value: {
          result: LoginResult.LOGGED_IN_ELSEWHERE,
          errorMessage: "This user is logged in on another connection",
        },
      });
      return false;
    }
    if (this.#duplicate === "kick_first") {
      for (const other of others) {
        this.#core.send(other, {
          case: "loginResponse",
          value: {
            result: LoginResult.LOGGED_IN_ELSEWHERE,
            errorMessage: "This user logged in on another connection",
          },
        });
        state.sessions.delete(other);
        this.#core.log(
          `kicked session ${other.sessionId} of user ${state.userId}: logged in elsewhere`,
        );
        other.user = undefined;
        other.conn.close(1000, "Logged in elsewhere");
      }
    }
    this.#core.stats.logins++;
    session.user?.sessions.delete(session);
    session.user = state;
    session.sessionId = `sim-${this.#core.rng.hex(16)}`;
    state.sessions.add(session);
    this.#core.log(`login: user ${state.userId}, session ${session.sessionId}`);
    const exchanges = [...new Set([...this.#core.books.values()].map((b) => b.market.exchangeId))];
    this.#core.send(session, {
      case: "loginResponse",
      value: {
        result: LoginResult.SUCCESS,
        sessionId: session.sessionId,
        userId: state.userId,
        firmId: state.user.firm ?? "T4Demo",
        firm: state.user.firm ?? "T4Demo",
        username: state.user.username ?? state.userId,
        roles: ["Trader"],
        brandName: "t4flow",
        serverName: "t4flow-sim",
        exchanges: exchanges.map((exchangeId) => ({
          exchangeId,
          userId: state.userId,
          marketDataType: MarketDataType.DEPTH,
          hasExecutingAccount: true,
        })),
        accounts: state.accounts.map((accountId) => ({
          accountId,
          accountNumber: accountId,
          accountName: accountId,
          displayName: accountId,
          mode: AccountMode.BY_MARKET,
        })),
        authenticationToken: this.token(state, ""),
      },
    });
    return true;
  }

  #authenticate(request: LoginRequest): { result: LoginResult; state?: SimUserState } {
    if (request.apiKey !== "") {
      const state = this.#core.users.find((u) => u.user.apiKey === request.apiKey);
      if (state === undefined) return { result: LoginResult.UNAUTHORIZED };
      return this.#outcome(state);
    }
    const state = this.#core.users.find((u) =>
      u.user.username !== undefined && u.user.username === request.username &&
      (u.user.firm ?? "") === request.firm
    );
    if (state === undefined) return { result: LoginResult.FAILED };
    if (state.locked) return { result: LoginResult.LOCKED_OUT };
    if ((state.user.password ?? "") !== request.password) {
      state.failures++;
      if (state.failures >= this.#lockout) state.locked = true;
      return { result: LoginResult.FAILED };
    }
    if (
      (state.user.appName !== undefined && state.user.appName !== request.appName) ||
      (state.user.appLicense !== undefined && state.user.appLicense !== request.appLicense)
    ) {
      return { result: LoginResult.APPLICATION_NOT_VALID };
    }
    state.failures = 0;
    return this.#outcome(state);
  }

  #outcome(state: SimUserState): { result: LoginResult; state: SimUserState } {
    const result = state.user.outcome === undefined
      ? LoginResult.SUCCESS
      : parseLoginResultName(state.user.outcome) ?? LoginResult.UNKNOWN;
    return { result, state };
  }

  /**
   * A new authentication token (a JWT-shaped string) for a user.
   *
   * @param state The user.
   * @param requestId The request id to echo.
   * @returns The token message.
   */
  token(
    state: SimUserState,
    requestId: string,
  ): MessageInitShape<typeof AuthenticationTokenSchema> {
    const now = this.#core.clock.now();
    const expires = now + this.#tokenTtl;
    const part = (value: object) =>
      btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    const token = `${part({ alg: "HS256", typ: "JWT" })}.${
      part({
        sub: state.userId,
        iss: "t4flow-sim",
        iat: Math.floor(now / 1000),
        exp: Math.floor(expires / 1000),
      })
    }.${this.#core.rng.hex(43)}`;
    const tokens = this.#core.tokens;
    for (const [issued, expiry] of tokens) if (expiry <= now) tokens.delete(issued);
    tokens.set(token, expires);
    return { requestId, token, expireTime: timestampFromMs(expires) };
  }
}

/** Who tried to log in, for the log: the user id when known, never a credential. */
function _who(request: LoginRequest, state: SimUserState | undefined): string {
  if (state !== undefined) return `user ${state.userId}`;
  return request.apiKey !== ""
    ? "an unknown API key"
    : `unknown user ${JSON.stringify(request.username)}`;
}
