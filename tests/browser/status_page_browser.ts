/**
 * The status page of `t4flow monitor` in a real browser (Debian's Chromium driven by
 * playwright-core), against the simulator: it shows a passing and a failing workflow, updates
 * after the next run without a reload, shows each run's time and error on hover and on keyboard
 * focus, fits a phone's width, and renders a server `error_message` and a workflow name that
 * contain HTML as text (nothing in them runs).
 *
 * Run with `deno task test:browser` (not part of `deno task test`). The browser is
 * `$CHROMIUM_PATH`, default `/usr/bin/chromium` (`apt-get install -y chromium`).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { alertPolicy } from "../../lib/monitor/alert_state.ts";
import { MonitorFleet } from "../../lib/monitor/monitor_fleet.ts";
import { parseEvery } from "../../lib/monitor/schedule.ts";
import { openSqliteRunStore } from "../../lib/monitor/sqlite_run_store.ts";
import { serveStatus, type StatusServer } from "../../lib/monitor/status_server.ts";
import type { RunStore } from "../../lib/monitor/run_store.ts";
import { type Simulator, startSimulator } from "../../lib/sim/simulator.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import { GOOD_KEY, LOCKED_KEY, LOCKED_MESSAGE, startPassFailSim } from "../_support/monitor_sim.ts";

const EVIL_MESSAGE =
  `<script>window.__xss = "script"</script><img src=x onerror="window.__xss = 'img'">`;
const EVIL_NAME = `evil <b onmouseover="window.__xss = 'name'">name</b>`;
const WEDNESDAY_NOON = Date.parse("2026-11-25T12:00:00Z");
const TIMEOUT = 30_000;

let sim: Simulator;
let other: Simulator;
let store: RunStore;
let server: StatusServer;
let fleet: MonitorFleet;
let stop: AbortController;
let done: Promise<number>;
let context: BrowserContext;
let profile: string;
const clock = new FakeClock(WEDNESDAY_NOON);

function workflow(name: string, url: string, key: string, schedule = "") {
  return parseWorkflow(
    `version: 1
name: '${name.replaceAll("'", "''")}'
connection:
  url: ${url}
  auth:
    api_key: \${KEY}
  reconnect: false
${schedule}steps:
  - login
`,
    "browser.yaml",
    { env: { KEY: key } },
  );
}

before(async () => {
  sim = await startPassFailSim();
  other = await startSimulator({
    port: 0,
    users: [
      { apiKey: GOOD_KEY, userId: "flip" },
      { apiKey: "evil-key-123456", outcome: "LOCKED_OUT", errorMessage: EVIL_MESSAGE },
    ],
  });
  store = openSqliteRunStore(":memory:");
  fleet = new MonitorFleet(
    [
      { workflow: workflow("desk-pass", sim.url, GOOD_KEY), schedule: parseEvery("1m") },
      { workflow: workflow("desk-fail", sim.url, LOCKED_KEY), schedule: parseEvery("1m") },
      { workflow: workflow("desk-flip", other.url, GOOD_KEY), schedule: parseEvery("1m") },
      { workflow: workflow(EVIL_NAME, other.url, "evil-key-123456"), schedule: parseEvery("1h") },
    ],
    {
      store,
      clock,
      policy: alertPolicy(),
      maintenance: null,
      io: { stdout: () => {}, stderr: () => {} },
    },
  );
  stop = new AbortController();
  done = fleet.run(stop.signal);
  server = await serveStatus(fleet, { host: "127.0.0.1", port: 0 });
  profile = await mkdtemp(join(tmpdir(), "t4flow-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await context?.close();
  stop?.abort();
  await done;
  await server?.close();
  store?.close();
  await sim?.stop();
  await other?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

const card = (name: string) => `[data-workflow=${JSON.stringify(name)}]`;

async function open(): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(server.url);
  return page;
}

describe("status page in Chromium", () => {
  it("shows a passing and a failing workflow with bars that tell time and error", async () => {
    const page = await open();
    await page.waitForSelector(`${card("desk-pass")}[data-status="passing"]`);
    await page.waitForSelector(`${card("desk-fail")}[data-status="failing"]`);
    const failBar = page.locator(`${card("desk-fail")} .bar`);
    assert.equal(await failBar.count(), 1);
    assert.equal(await failBar.first().getAttribute("data-run-status"), "failed");
    assert.match(
      (await page.locator(`${card("desk-pass")} .uptime`).textContent()) ?? "",
      /^100% uptime/,
    );
    assert.match((await page.locator(`${card("desk-pass")} .next`).textContent()) ?? "", /^next/);

    // The tooltip shows on hover...
    const tip = page.locator(`${card("desk-fail")} .bar .tip`).first();
    assert.equal(await tip.isVisible(), false);
    await failBar.first().hover();
    await tip.waitFor({ state: "visible" });
    assert.match(
      (await tip.textContent()) ?? "",
      new RegExp(`failed in .* \\(exit 3\\)\\nlogin: LOCKED_OUT \\(${LOCKED_MESSAGE}\\)$`),
    );
    // ...and on keyboard focus.
    await page.mouse.move(0, 0);
    await tip.waitFor({ state: "hidden" });
    await failBar.first().focus();
    await tip.waitFor({ state: "visible" });
    await page.close();
  });

  it("renders HTML in a server error_message and in a name as text; nothing runs", async () => {
    const page = await open();
    const evil = page.locator(card(EVIL_NAME));
    await page.waitForSelector(`${card(EVIL_NAME)}[data-status="failing"]`);
    assert.equal(await evil.locator(".name").textContent(), EVIL_NAME);
    assert.equal(
      await evil.locator(".error").textContent(),
      `login: LOCKED_OUT (${EVIL_MESSAGE})`,
    );
    await evil.locator(".bar").first().hover();
    assert.match((await evil.locator(".tip").first().textContent()) ?? "", /<script>window/);
    assert.equal(await page.locator("main script, main img, main b").count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as { __xss?: string }).__xss), undefined);
    await page.close();
  });

  it("fits a phone's width", async () => {
    const page = await open();
    await page.setViewportSize({ width: 360, height: 740 });
    await page.waitForSelector(`${card("desk-fail")}[data-status="failing"]`);
    const width = await page.evaluate<number>("document.documentElement.scrollWidth");
    assert.ok(width <= 360, `the page is ${width}px wide on a 360px screen`);
    await page.close();
  });

  it("updates after the next run without a reload", async () => {
    const page = await open();
    await page.waitForSelector(`${card("desk-flip")}[data-status="passing"]`);
    await page.evaluate(() => ((globalThis as { __same?: boolean }).__same = true));
    let navigations = 0;
    page.on("framenavigated", () => navigations++);
    await other.stop(); // desk-flip's server goes away: its next run fails
    await clock.advance(60_000);
    await page.waitForSelector(`${card("desk-flip")}[data-status="failing"]`);
    await page.locator(`${card("desk-fail")} .bar`).nth(1).waitFor();
    assert.equal(await page.locator(`${card("desk-flip")} .bar`).count(), 2);
    assert.equal(
      await page.locator(`${card("desk-flip")} .bar`).last().getAttribute("data-run-status"),
      "failed",
    );
    assert.equal(await page.evaluate(() => (globalThis as { __same?: boolean }).__same), true);
    assert.equal(navigations, 0);
    assert.match((await page.locator("#connection").textContent()) ?? "", /^live$/);
    await page.close();
  });
});
