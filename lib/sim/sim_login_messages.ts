/**
 * The `error_message` the simulator sends with a refused login, worded like the real server's
 * (e.g. its LOCKED_OUT golden frame), so alert templates such as `{{ error_message }}` render
 * text against the simulator too.
 *
 * @module
 */

import { LoginResult } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import { loginResultName } from "../protocol/login_result.ts";

const _MESSAGES: Partial<Record<LoginResult, string>> = {
  [LoginResult.FAILED]: "Invalid credentials.",
  [LoginResult.UNAUTHORIZED]: "API key or username/password is incorrect.",
  [LoginResult.LOCKED_OUT]: "Too many failed login attempts. The user is locked out.",
  [LoginResult.PASSWORD_EXPIRED]: "The password must be changed before logging in.",
  [LoginResult.TWO_FACTOR_REQUIRED]: "Two-factor authentication is required.",
  [LoginResult.APPLICATION_NOT_VALID]: "The application name or license is not valid.",
  [LoginResult.LOGGED_IN_ELSEWHERE]: "This user is logged in on another connection",
};

/**
 * The simulator's `error_message` for a refused login.
 *
 * @param result The login result (not `SUCCESS`).
 * @returns The message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LoginResult } from "../protocol/gen/t4/v1/common/enums_pb.ts";
 * import { simLoginErrorMessage } from "./sim_login_messages.ts";
 *
 * assert.equal(simLoginErrorMessage(LoginResult.LOCKED_OUT), "Too many failed login attempts. The user is locked out.");
 * assert.equal(simLoginErrorMessage(LoginResult.FIRM_NOT_ALLOWED), "Login refused (FIRM_NOT_ALLOWED).");
 * ```
 */
export function simLoginErrorMessage(result: LoginResult): string {
  return _MESSAGES[result] ?? `Login refused (${loginResultName(result)}).`;
}
