import assert from "node:assert/strict";
import { test } from "node:test";
import { T4Client } from "../../lib/client/t4_client.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { restAuthFor, RestClient } from "../../lib/rest/rest_client.ts";
import { MarketNotFoundError, RestError } from "../../lib/rest/rest_errors.ts";
import { T4Markets } from "../../lib/rest/t4_markets.ts";
import { DEMO_API_KEY, DEMO_LOGIN } from "../../lib/sim/sim_config.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";

const markets = (baseUrl: string, apiKey = DEMO_API_KEY) =>
  new T4Markets(new RestClient({ baseUrl, auth: { apiKey }, retries: 0 }));

test("sim rest: 401 without a valid APIKey or Bearer, 200 with one", async () => {
  await using sim = await startSimulator({ seed: 1 });
  assert.match(sim.restUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  const url = `${sim.restUrl}/markets/exchanges`;
  for (
    const authorization of [
      undefined,
      "APIKey wrong-key",
      "Bearer not.a.token",
      `Basic ${DEMO_API_KEY}`,
    ]
  ) {
    const response = await fetch(url, authorization ? { headers: { authorization } } : {});
    assert.equal(response.status, 401, `${authorization}`);
    assert.match((await response.json()).message, /Authorization required/);
  }
  const ok = await fetch(url, { headers: { authorization: `APIKey ${DEMO_API_KEY}` } });
  assert.equal(ok.status, 200);
  const body = await ok.json() as { exchangeID: string }[];
  assert.deepEqual(body.map((e) => e.exchangeID), ["CBT_Fi", "CME_En", "CME_Eq", "CMX_Mt"]);
  await assert.rejects(
    markets(sim.restUrl, "wrong-key").exchanges(),
    (e) => e instanceof RestError && e.status === 401,
  );
});

test("sim rest: a session's Bearer token works, an expired one is refused", async () => {
  const clock = new FakeClock(Date.parse("2026-12-01T12:00:00Z"));
  await using sim = await startSimulator({ seed: 1, clock, tokenTtlMs: 60_000 });
  await using client = new T4Client({ url: sim.url, auth: { ...DEMO_LOGIN } });
  await client.connect();
  const token = (await client.authToken()).reveal();
  const bearer = new T4Markets(
    new RestClient({ baseUrl: sim.restUrl, auth: restAuthFor(client, { ...DEMO_LOGIN }) }),
  );
  assert.equal((await bearer.front("CME_Eq", "ES")).marketId, "XCME_Eq ES (Z26)");
  await clock.advance(60_000);
  const response = await fetch(`${sim.restUrl}/markets/exchanges`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 401, "the token expired on the simulator's clock");
  await response.body?.cancel();
});

test("sim rest: the front market is the nearest unexpired one on the simulator's clock", async () => {
  const clock = new FakeClock(Date.parse("2026-12-19T12:00:00Z"));
  await using sim = await startSimulator({ seed: 1, clock });
  const m = markets(sim.restUrl);
  const front = await m.front("CME_Eq", "ES");
  assert.equal(front.marketId, "XCME_Eq ES (H27)", "Z26 expired on 2026-12-18");
  assert.equal(front.expiryDate, "2027-03-19T00:00:00");
  assert.equal((await m.front("CME_En", "CL")).marketId, "XCME_En CL (F27)", "expires 2026-12-19");
  // The resolved market is live on the WebSocket side.
  await using client = new T4Client({ url: sim.url, auth: { apiKey: DEMO_API_KEY }, clock });
  const connecting = client.connect();
  await connecting;
  const details = new Promise<string>((resolve) =>
    client.on("marketDetails", (d) => resolve(d.marketId))
  );
  client.subscribeMarket({ exchangeId: "CME_Eq", contractId: "ES", marketId: front.marketId });
  assert.equal(await details, front.marketId);
});

test("sim rest: unknown contracts are 404 and MarketNotFoundError", async () => {
  await using sim = await startSimulator({ seed: 1 });
  await assert.rejects(markets(sim.restUrl).front("CME_Eq", "XX"), MarketNotFoundError);
  const response = await fetch(
    `${sim.restUrl}/markets/picker/firstmarket?exchangeid=CME_Eq&contractid=XX`,
    { headers: { authorization: `APIKey ${DEMO_API_KEY}` } },
  );
  assert.equal(response.status, 404);
  assert.match((await response.json()).message, /No unexpired market/);
});

test("sim rest: contracts, search, groups and picker use .NET field names", async () => {
  const clock = new FakeClock(Date.parse("2026-12-01T12:00:00Z"));
  await using sim = await startSimulator({ seed: 1, clock });
  const m = markets(sim.restUrl);
  assert.deepEqual((await m.contracts("CME_Eq")).map((c) => c.contractId), ["ES", "NQ"]);
  assert.deepEqual(await m.search("crude"), [
    { exchangeId: "CME_En", contractId: "CL", description: "Crude Oil" },
  ]);
  const groups = await m.groups("CME_Eq", "ES");
  assert.deepEqual(groups.map((g) => g.expiryDate), [
    "2026-12-18T00:00:00",
    "2027-03-19T00:00:00",
    "2027-06-18T00:00:00",
  ]);
  const listed = await m.markets("CME_Eq", "ES");
  assert.deepEqual(listed.map((x) => x.marketId), [
    "XCME_Eq ES (Z26)",
    "XCME_Eq ES (H27)",
    "XCME_Eq ES (M27)",
  ]);
  const raw = await fetch(
    `${sim.restUrl}/markets/picker/firstmarket?exchangeid=CME_Eq&contractid=NQ`,
    { headers: { authorization: `APIKey ${DEMO_API_KEY}` } },
  );
  const body = await raw.json();
  assert.equal(body.marketID, "XCME_Eq NQ (Z26)");
  assert.equal(body.exchangeID, "CME_Eq");
  assert.equal(body.contractID, "NQ");
  const missing = await fetch(`${sim.restUrl}/markets/contracts`, {
    headers: { authorization: `APIKey ${DEMO_API_KEY}` },
  });
  assert.equal(missing.status, 400);
  await missing.body?.cancel();
});
