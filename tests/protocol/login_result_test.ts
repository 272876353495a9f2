import { test } from "node:test";
import assert from "node:assert/strict";
import {
  isFatalLoginResult,
  LOGIN_RESULT_NAME_LIST,
  loginResultName,
  parseLoginResultName,
} from "../../lib/protocol/login_result.ts";
import { LoginResult, LoginResultSchema } from "../../lib/protocol/proto.ts";

test("the API page's short names map to the wire enum", () => {
  const page = {
    LOGIN_SUCCESS: LoginResult.SUCCESS,
    LOGIN_FAILED: LoginResult.FAILED,
    LOCKED_OUT: LoginResult.LOCKED_OUT,
    TWO_FACTOR_REQUIRED: LoginResult.TWO_FACTOR_REQUIRED,
    UNAUTHORIZED: LoginResult.UNAUTHORIZED,
    PASSWORD_EXPIRED: LoginResult.PASSWORD_EXPIRED,
  };
  for (const [name, value] of Object.entries(page)) {
    assert.equal(loginResultName(value), name);
    assert.equal(parseLoginResultName(name), value);
  }
  assert.equal(LoginResult.LOCKED_OUT, 18);
});

test("every enum value has a unique short name that parses back, short or full", () => {
  assert.equal(LOGIN_RESULT_NAME_LIST.length, LoginResultSchema.values.length);
  assert.equal(new Set(LOGIN_RESULT_NAME_LIST).size, LOGIN_RESULT_NAME_LIST.length);
  for (const value of LoginResultSchema.values) {
    const short = loginResultName(value.number);
    assert.equal(parseLoginResultName(short), value.number);
    assert.equal(parseLoginResultName(value.name), value.number, value.name);
    assert.equal(parseLoginResultName(short.toLowerCase()), value.number);
  }
});

test("unknown names and values", () => {
  assert.equal(parseLoginResultName("LOGIN_RESULT_NOPE"), undefined);
  assert.equal(parseLoginResultName("SUCCESS"), undefined);
  assert.equal(parseLoginResultName(""), undefined);
  assert.equal(loginResultName(999 as LoginResult), "UNKNOWN");
});

test("fatal login results never retry; only server-side hiccups are transient", () => {
  for (
    const fatal of [
      "LOCKED_OUT",
      "PASSWORD_EXPIRED",
      "UNAUTHORIZED",
      "LOGIN_FAILED",
      "TWO_FACTOR_REQUIRED",
      "UNKNOWN",
      "LOGGED_IN_ELSEWHERE",
    ]
  ) {
    assert.equal(isFatalLoginResult(parseLoginResultName(fatal)!), true, fatal);
  }
  for (
    const transient of [
      "UNEXPECTED_DISCONNECT",
      "UNEXPECTED_ERROR",
      "API_MESSAGE_BACKLOG",
      "SERVER_MESSAGE_BACKLOG",
      "LOGIN_SUCCESS",
    ]
  ) {
    assert.equal(isFatalLoginResult(parseLoginResultName(transient)!), false, transient);
  }
  assert.equal(isFatalLoginResult(12345 as LoginResult), true);
});
