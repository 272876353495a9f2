import assert from "node:assert/strict";
import { inspect } from "node:util";
import { describe, it } from "node:test";
import {
  AuthToken,
  Credentials,
  redactSecrets,
  redactValue,
} from "../../lib/client/credentials.ts";
import { LoginError } from "../../lib/client/errors.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";

const SECRET = "pw-S3cr3t-value";
const LICENSE = "LIC-S3cr3t-value";

function everyRendering(value: unknown): string[] {
  return [
    String(value),
    JSON.stringify(value),
    JSON.stringify({ nested: value }),
    inspect(value),
    inspect({ nested: value }, { depth: 5, showHidden: true }),
    `${value}`,
  ];
}

describe("Credentials", () => {
  it("never shows an API key", () => {
    const credentials = new Credentials({ apiKey: SECRET });
    for (const text of everyRendering(credentials)) assert.ok(!text.includes(SECRET), text);
    assert.deepEqual(Object.keys(credentials), ["kind", "user"]);
    assert.equal(credentials.loginRequest().apiKey, SECRET);
  });

  it("never shows a password or license, but shows the user", () => {
    const credentials = new Credentials({
      firm: "Firm",
      username: "trader",
      password: SECRET,
      appName: "App",
      appLicense: LICENSE,
    });
    for (const text of everyRendering(credentials)) {
      assert.ok(!text.includes(SECRET) && !text.includes(LICENSE), text);
    }
    assert.match(String(credentials), /Firm\/trader/);
    const login = credentials.loginRequest();
    assert.deepEqual([login.password, login.appLicense, login.apiKey], [SECRET, LICENSE, ""]);
    assert.deepEqual(credentials.secrets(), [SECRET, LICENSE]);
  });

  it("redacts in Deno.inspect when running under Deno", () => {
    const deno = (globalThis as { Deno?: { inspect(v: unknown): string } }).Deno;
    if (deno === undefined) return;
    assert.ok(!deno.inspect(new Credentials({ apiKey: SECRET })).includes(SECRET));
    assert.ok(!deno.inspect({ a: new AuthToken(SECRET, 1) }).includes(SECRET));
  });

  it("rejects incomplete credentials without echoing them", () => {
    assert.throws(
      () => new Credentials({ apiKey: "" }),
      /'auth.apiKey' must be a non-empty string/,
    );
    const error = (() => {
      try {
        new Credentials({
          firm: "F",
          username: "u",
          password: SECRET,
          appName: "",
          appLicense: "x",
        });
      } catch (e) {
        return e as Error;
      }
    })();
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /'auth.appName'/);
    assert.ok(!error.message.includes(SECRET));
  });

  it("redacts authentication tokens", () => {
    const token = new AuthToken(SECRET, 5);
    for (const text of everyRendering(token)) assert.ok(!text.includes(SECRET), text);
    assert.equal(token.reveal(), SECRET);
  });

  it("scrubs secrets from text", () => {
    assert.equal(
      redactSecrets(`a ${SECRET} b ${SECRET}`, [SECRET, ""]),
      "a [REDACTED] b [REDACTED]",
    );
    assert.equal(
      new LoginError(LoginResult.LOCKED_OUT, "").message,
      "Cannot log in to T4 as the server answered LOCKED_OUT",
    );
  });

  it("scrubs a short secret only where it stands alone", () => {
    assert.equal(
      redactSecrets("pin 7, at 17:07, 7", ["7"]),
      "pin [REDACTED], at 17:07, [REDACTED]",
    );
    assert.equal(redactSecrets("the session ended", ["e"]), "the session ended");
    assert.equal(redactSecrets("a.b a.b", ["a.b"]), "[REDACTED] [REDACTED]", "no regex syntax");
  });

  it("scrubs values structurally, never inside their JSON", () => {
    const value = {
      at: 1764594567000,
      detail: `key ${SECRET}`,
      [SECRET]: [new Number(4567), new Date(0), { nested: SECRET }],
      credentials: new Credentials({ apiKey: SECRET }),
    };
    const safe = redactValue(value, [SECRET, "4567"]);
    assert.deepEqual(safe, {
      at: 1764594567000,
      detail: "key [REDACTED]",
      "[REDACTED]": [4567, "1970-01-01T00:00:00.000Z", { nested: "[REDACTED]" }],
      credentials: { kind: "apiKey", apiKey: "[REDACTED]" },
    });
    assert.ok(!JSON.stringify(safe).includes(SECRET));
  });
});
