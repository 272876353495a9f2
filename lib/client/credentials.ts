/**
 * Login credentials for the T4 API, held in a value that never shows its secrets: not in
 * `toString()`, `JSON.stringify`, `console.log`/inspect (Deno, Node, Bun) nor in errors.
 *
 * @module
 */

import type { PriceFormat } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type { LoginRequest } from "../protocol/gen/t4/v1/auth/auth_pb.ts";

/** API-key authentication: only `api_key` is sent. */
export interface ApiKeyAuth {
  /** The API key. */
  apiKey: string;
}

/** Username/password authentication. */
export interface PasswordAuth {
  /** The firm name. */
  firm: string;
  /** The user name. */
  username: string;
  /** The password. */
  password: string;
  /** The registered application name. */
  appName: string;
  /** The application license. */
  appLicense: string;
  /**
   * How prices are formatted in replies.
   *
   * @default {PriceFormat.DECIMAL}
   */
  priceFormat?: PriceFormat;
}

/** Either way of logging in. */
export type Auth = ApiKeyAuth | PasswordAuth;

const REDACTED = "[REDACTED]";
const _secrets = new WeakMap<object, Auth>();

/** A redacted placeholder used wherever a secret would otherwise appear. */
export const REDACTED_TEXT: string = REDACTED;

/**
 * Login credentials that redact themselves. The secrets live outside the object (in a module
 * `WeakMap`), so no property enumeration, inspection or serialisation can reach them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Credentials } from "./credentials.ts";
 *
 * const credentials = new Credentials({ apiKey: "sk-live-123" });
 * assert.equal(String(credentials), "Credentials { apiKey: [REDACTED] }");
 * assert.ok(!JSON.stringify({ credentials }).includes("sk-live-123"));
 * assert.equal(credentials.kind, "apiKey");
 * ```
 */
export class Credentials {
  /** `"apiKey"` or `"password"`. */
  readonly kind: "apiKey" | "password";
  /** The firm and user name (not secret) for password auth, for display. */
  readonly user: string | undefined;

  /**
   * Wraps credentials.
   *
   * @param auth `{ apiKey }` or `{ firm, username, password, appName, appLicense, priceFormat? }`.
   * @throws {TypeError} When neither a non-empty `apiKey` nor a complete username/password set is given.
   */
  constructor(auth: Auth) {
    if (auth === null || typeof auth !== "object") {
      throw new TypeError(
        "Cannot use the credentials as 'auth' must be an object: current value is not",
      );
    }
    if ("apiKey" in auth) {
      if (typeof auth.apiKey !== "string" || auth.apiKey.length === 0) {
        throw new TypeError(
          "Cannot use the credentials as 'auth.apiKey' must be a non-empty string: current value is empty or not a string",
        );
      }
      this.kind = "apiKey";
      this.user = undefined;
      _secrets.set(this, { apiKey: auth.apiKey });
    } else {
      for (const key of ["firm", "username", "password", "appName", "appLicense"] as const) {
        if (typeof auth[key] !== "string" || auth[key].length === 0) {
          throw new TypeError(
            `Cannot use the credentials as 'auth.${key}' must be a non-empty string: current value is empty or not a string`,
          );
        }
      }
      this.kind = "password";
      this.user = `${auth.firm}/${auth.username}`;
      _secrets.set(this, { ...auth });
    }
    Object.freeze(this);
  }

  /**
   * Builds the `LoginRequest` message. Never log it.
   *
   * @returns The login request carrying the secrets.
   */
  loginRequest(): LoginRequest {
    const auth = _secrets.get(this)!;
    // What create(LoginRequestSchema, ...) returns, without loading the schema.
    const request: LoginRequest = {
      $typeName: "t4proto.v1.auth.LoginRequest",
      apiKey: "",
      firm: "",
      username: "",
      password: "",
      appName: "",
      appLicense: "",
      priceFormat: 0,
    };
    if ("apiKey" in auth) return { ...request, apiKey: auth.apiKey };
    return {
      ...request,
      firm: auth.firm,
      username: auth.username,
      password: auth.password,
      appName: auth.appName,
      appLicense: auth.appLicense,
      ...(auth.priceFormat === undefined ? {} : { priceFormat: auth.priceFormat }),
    };
  }

  /**
   * Lists every secret string, so that callers can scrub text that must not contain them.
   *
   * @returns The API key, or the password and application license.
   */
  secrets(): string[] {
    const auth = _secrets.get(this)!;
    return "apiKey" in auth ? [auth.apiKey] : [auth.password, auth.appLicense];
  }

  /**
   * Describes the credentials with every secret redacted.
   *
   * @returns A redacted description.
   */
  toString(): string {
    return this.kind === "apiKey"
      ? `Credentials { apiKey: ${REDACTED} }`
      : `Credentials { user: ${this.user}, password: ${REDACTED}, appLicense: ${REDACTED} }`;
  }

  /**
   * Serializes the credentials for `JSON.stringify` with every secret redacted.
   *
   * @returns A redacted plain object for `JSON.stringify`.
   */
  toJSON(): Record<string, string> {
    return this.kind === "apiKey"
      ? { kind: "apiKey", apiKey: REDACTED }
      : { kind: "password", user: this.user ?? "", password: REDACTED, appLicense: REDACTED };
  }

  /**
   * Describes the credentials, redacted, to Deno's `console.log` and `Deno.inspect`.
   *
   * @returns The redacted description, for Deno's `console.log`/`Deno.inspect`.
   */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /**
   * Describes the credentials, redacted, to `util.inspect` and `console.log` in Node and Bun.
   *
   * @returns The redacted description, for Node's and Bun's `util.inspect`/`console.log`.
   */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * Replaces every occurrence of the given secrets in `text` with `[REDACTED]`. A secret shorter
 * than four characters (say a one-digit PIN) is replaced only where it stands alone, not inside a
 * longer run of letters and digits, so that it cannot mangle unrelated text.
 *
 * @param text The text to scrub.
 * @param secrets The secret strings (empty strings are ignored).
 * @returns The scrubbed text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactSecrets } from "./credentials.ts";
 *
 * assert.equal(redactSecrets("bad key sk-1 given", ["sk-1"]), "bad key [REDACTED] given");
 * assert.equal(redactSecrets("pin 7 at 17:07", ["7"]), "pin [REDACTED] at 17:07");
 * ```
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0 || !out.includes(secret)) continue;
    out = secret.length >= _SHORT ? out.split(secret).join(REDACTED) : out.replace(
      new RegExp(`(?<![\\p{L}\\p{N}])${_escape(secret)}(?![\\p{L}\\p{N}])`, "gu"),
      REDACTED,
    );
  }
  return out;
}

/**
 * Scrubs secrets from a value structurally, as JSON sees it: every string in it (keys and
 * values, at any depth) goes through {@linkcode redactSecrets}; numbers, booleans and `null` are
 * kept as they are; boxed primitives are unboxed, `toJSON()` is honoured and other objects become
 * plain objects of their own enumerable properties. Never replaces inside serialized JSON, so
 * the result has the same shape as the value's JSON.
 *
 * @param value A JSON-like value.
 * @param secrets The secret strings.
 * @returns A scrubbed plain copy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactValue } from "./credentials.ts";
 *
 * const event = { at: 1764561234567, detail: "PIN 1234 refused" };
 * assert.deepEqual(redactValue(event, ["1234"]), { at: 1764561234567, detail: "PIN [REDACTED] refused" });
 * ```
 */
export function redactValue<T>(value: T, secrets: readonly string[]): T {
  if (secrets.every((s) => s.length === 0)) return value;
  return _walk(value, secrets, 0) as T;
}

const _SHORT = 4;

function _escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function _walk(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === "string") return redactSecrets(value, secrets);
  if (value === null || typeof value !== "object" || depth > 64) return value;
  // As JSON sees it: boxed primitives (e.g. CEL numbers) unboxed, `toJSON()` honoured, then
  // arrays item by item and any other object by its own enumerable properties.
  if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    return _walk(value.valueOf(), secrets, depth + 1);
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return _walk(toJSON.call(value), secrets, depth + 1);
  if (Array.isArray(value)) return value.map((item) => _walk(item, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[redactSecrets(key, secrets)] = _walk(item, secrets, depth + 1);
  }
  return out;
}

/**
 * An authentication token from `T4Client.requestAuthToken()`. The token redacts itself like
 * {@linkcode Credentials}; call {@linkcode AuthToken.reveal} to use it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthToken } from "./credentials.ts";
 *
 * const token = new AuthToken("jwt-abc", 1_000);
 * assert.equal(token.reveal(), "jwt-abc");
 * assert.ok(!JSON.stringify(token).includes("jwt-abc"));
 * assert.equal(String(token), "AuthToken { token: [REDACTED], expiresAt: 1000 }");
 * ```
 */
export class AuthToken {
  /** Expiry in ms since the epoch, when the server gave one. */
  readonly expiresAt: number | undefined;

  /**
   * Wraps a token so that it never appears in logs, errors or JSON.
   *
   * @param token The token.
   * @param expiresAt Expiry in ms since the epoch.
   */
  constructor(token: string, expiresAt: number | undefined) {
    _tokens.set(this, token);
    this.expiresAt = expiresAt;
    Object.freeze(this);
  }

  /**
   * Reveals the token, to send it to the server.
   *
   * @returns The token itself. Never log it.
   */
  reveal(): string {
    return _tokens.get(this) ?? "";
  }

  /**
   * Describes the token with the token itself redacted.
   *
   * @returns A redacted description.
   */
  toString(): string {
    return `AuthToken { token: ${REDACTED}, expiresAt: ${this.expiresAt ?? "unknown"} }`;
  }

  /**
   * Serializes the token for `JSON.stringify` with the token itself redacted.
   *
   * @returns A redacted plain object for `JSON.stringify`.
   */
  toJSON(): Record<string, unknown> {
    return { token: REDACTED, expiresAt: this.expiresAt ?? null };
  }

  /**
   * Describes the token, redacted, to Deno's `console.log` and `Deno.inspect`.
   *
   * @returns The redacted description, for Deno's inspect.
   */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /**
   * Describes the token, redacted, to `util.inspect` and `console.log` in Node and Bun.
   *
   * @returns The redacted description, for Node's and Bun's inspect.
   */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

const _tokens = new WeakMap<AuthToken, string>();
