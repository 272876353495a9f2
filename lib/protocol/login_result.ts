/**
 * The short login result names used by the T4 API page (`LOGIN_SUCCESS`, `LOCKED_OUT`, ...) and
 * their mapping to the wire enum `t4proto.v1.common.LoginResult`, plus which results are fatal.
 *
 * @module
 */

import { LoginResult } from "./gen/t4/v1/enums_t4fast.ts";

/**
 * Short name of every `LoginResult` value, as users write them in workflows and alerts.
 * `LOGIN_RESULT_SUCCESS` is `LOGIN_SUCCESS` and `LOGIN_RESULT_FAILED` is `LOGIN_FAILED` (the API
 * page's names); every other value drops the `LOGIN_RESULT_` prefix.
 */
export const LOGIN_RESULT_NAMES = {
  [LoginResult.SUCCESS]: "LOGIN_SUCCESS",
  [LoginResult.FAILED]: "LOGIN_FAILED",
  [LoginResult.APPLICATION_NOT_VALID]: "APPLICATION_NOT_VALID",
  [LoginResult.FIRM_NOT_ALLOWED]: "FIRM_NOT_ALLOWED",
  [LoginResult.USER_NOT_ALLOWED]: "USER_NOT_ALLOWED",
  [LoginResult.INCORRECT_VERSION]: "INCORRECT_VERSION",
  [LoginResult.LOGGED_IN_ELSEWHERE]: "LOGGED_IN_ELSEWHERE",
  [LoginResult.LOGOUT]: "LOGOUT",
  [LoginResult.UNEXPECTED_DISCONNECT]: "UNEXPECTED_DISCONNECT",
  [LoginResult.UNAUTHORIZED]: "UNAUTHORIZED",
  [LoginResult.UNEXPECTED_ERROR]: "UNEXPECTED_ERROR",
  [LoginResult.ROLE_NOT_SUPPORTED]: "ROLE_NOT_SUPPORTED",
  [LoginResult.API_MESSAGE_BACKLOG]: "API_MESSAGE_BACKLOG",
  [LoginResult.SERVER_MESSAGE_BACKLOG]: "SERVER_MESSAGE_BACKLOG",
  [LoginResult.PASSWORD_EXPIRED]: "PASSWORD_EXPIRED",
  [LoginResult.PASSWORD_CHANGE_FAILED]: "PASSWORD_CHANGE_FAILED",
  [LoginResult.PASSWORD_ALREADY_USED]: "PASSWORD_ALREADY_USED",
  [LoginResult.LOCKED_OUT]: "LOCKED_OUT",
  [LoginResult.ADDITIONAL_USERS_NOT_ALLOWED]: "ADDITIONAL_USERS_NOT_ALLOWED",
  [LoginResult.MARKET_DATA_NOT_SETUP]: "MARKET_DATA_NOT_SETUP",
  [LoginResult.TWO_FACTOR_NOT_SETUP]: "TWO_FACTOR_NOT_SETUP",
  [LoginResult.TWO_FACTOR_FAILED]: "TWO_FACTOR_FAILED",
  [LoginResult.FIX_SESSION_ERROR]: "FIX_SESSION_ERROR",
  [LoginResult.TWO_FACTOR_REQUIRED]: "TWO_FACTOR_REQUIRED",
  [LoginResult.USER_EXISTS]: "USER_EXISTS",
  [LoginResult.UNKNOWN]: "UNKNOWN",
} as const satisfies Record<LoginResult, string>;

/** A short login result name, e.g. `"LOCKED_OUT"`. */
export type LoginResultName = (typeof LOGIN_RESULT_NAMES)[LoginResult];

const _byName: ReadonlyMap<string, LoginResult> = new Map(
  Object.entries(LOGIN_RESULT_NAMES).map(([value, name]) => [name, Number(value) as LoginResult]),
);

/**
 * Every short login result name, in enum order.
 */
export const LOGIN_RESULT_NAME_LIST: readonly LoginResultName[] = Object.values(LOGIN_RESULT_NAMES);

/**
 * Returns the short name of a login result.
 *
 * @param result The wire enum value; a value this version does not know is named `UNKNOWN`.
 * @returns The short name, e.g. `"LOCKED_OUT"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loginResultName } from "./login_result.ts";
 * import { LoginResult } from "./proto.ts";
 *
 * assert.equal(loginResultName(LoginResult.LOCKED_OUT), "LOCKED_OUT");
 * assert.equal(loginResultName(LoginResult.SUCCESS), "LOGIN_SUCCESS");
 * ```
 */
export function loginResultName(result: LoginResult): LoginResultName {
  return (LOGIN_RESULT_NAMES as Record<number, LoginResultName>)[result] ?? "UNKNOWN";
}

/**
 * Parses a login result name: a short name (`LOCKED_OUT`) or the full enum name
 * (`LOGIN_RESULT_LOCKED_OUT`), case-insensitively.
 *
 * @param name The name to parse.
 * @returns The wire enum value, or `undefined` when the name is not a login result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLoginResultName } from "./login_result.ts";
 * import { LoginResult } from "./proto.ts";
 *
 * assert.equal(parseLoginResultName("locked_out"), LoginResult.LOCKED_OUT);
 * assert.equal(parseLoginResultName("LOGIN_RESULT_SUCCESS"), LoginResult.SUCCESS);
 * assert.equal(parseLoginResultName("NOPE"), undefined);
 * ```
 */
export function parseLoginResultName(name: string): LoginResult | undefined {
  const upper = name.toUpperCase();
  if (!upper.startsWith("LOGIN_RESULT_")) return _byName.get(upper);
  const value = (LoginResult as unknown as Record<string, unknown>)[upper.slice(13)];
  return typeof value === "number" ? value : undefined;
}

/**
 * Login results after which a client may try again on its own: the server was briefly unable
 * to serve the login (a disconnect or error on its side, a message backlog). Every other failed
 * result, including `UNKNOWN` and values this version does not know, is fatal: retrying it could
 * only repeat the failure, and retrying bad credentials is how an account becomes `LOCKED_OUT`.
 */
export const TRANSIENT_LOGIN_RESULTS: ReadonlySet<LoginResult> = new Set([
  LoginResult.UNEXPECTED_DISCONNECT,
  LoginResult.UNEXPECTED_ERROR,
  LoginResult.API_MESSAGE_BACKLOG,
  LoginResult.SERVER_MESSAGE_BACKLOG,
]);

/**
 * Tells whether a failed login must not be retried automatically.
 *
 * @param result The login result.
 * @returns `true` for every failure except the transient ones in
 *   {@linkcode TRANSIENT_LOGIN_RESULTS}; `false` for success.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFatalLoginResult } from "./login_result.ts";
 * import { LoginResult } from "./proto.ts";
 *
 * assert.equal(isFatalLoginResult(LoginResult.LOCKED_OUT), true);
 * assert.equal(isFatalLoginResult(LoginResult.SERVER_MESSAGE_BACKLOG), false);
 * ```
 */
export function isFatalLoginResult(result: LoginResult): boolean {
  return result !== LoginResult.SUCCESS && !TRANSIENT_LOGIN_RESULTS.has(result);
}
