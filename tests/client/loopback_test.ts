import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InsecureUrlError } from "../../lib/client/errors.ts";
import { isLoopbackHost, isLoopbackUrl } from "../../lib/client/loopback.ts";
import { resolveEndpoint } from "../../lib/client/t4_endpoint.ts";
import { orderTargetKind } from "../../lib/workflow/order_safety.ts";

const LOOPBACK = [
  "ws://127.0.0.1:8080/v1",
  "ws://127.255.255.254/v1",
  "ws://127.1/v1", // the WHATWG parser normalises it to 127.0.0.1
  "ws://localhost:1/v1",
  "ws://LOCALHOST:1/v1",
  "ws://[::1]:1/v1",
];
const NOT_LOOPBACK = [
  "ws://127.attacker.example/v1",
  "ws://127.0.0.1.nip.io/v1",
  "ws://localhost.example/v1",
  "ws://my-localhost/v1",
  "ws://128.0.0.1/v1",
  "ws://[::2]/v1",
  "ws://[::ffff:7f00:1]/v1",
  "ws://t4.example/v1",
];

describe("loopback rule", () => {
  it("counts only literal 127.0.0.0/8, ::1 and localhost as loopback", () => {
    for (const url of LOOPBACK) assert.equal(isLoopbackUrl(url), true, url);
    for (const url of NOT_LOOPBACK) assert.equal(isLoopbackUrl(url), false, url);
    assert.equal(isLoopbackHost("127.0.0.256"), false);
    assert.equal(isLoopbackHost("::1"), true);
  });

  it("refuses cleartext ws:// to names that only look like loopback (client guard)", () => {
    for (const url of NOT_LOOPBACK) {
      assert.throws(() => resolveEndpoint({ url }), InsecureUrlError, url);
    }
    for (const url of LOOPBACK) assert.equal(resolveEndpoint({ url }).url, url);
  });

  it("classifies URLs exactly like the client guard (order guard)", () => {
    for (const url of LOOPBACK) assert.equal(orderTargetKind({ url }), "loopback", url);
    for (const url of NOT_LOOPBACK) assert.equal(orderTargetKind({ url }), "live", url);
  });
});
