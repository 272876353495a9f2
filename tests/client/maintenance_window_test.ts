import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_MAINTENANCE_WINDOW,
  maintenanceEnd,
  type MaintenanceWindow,
} from "../../lib/client/maintenance_window.ts";

const at = (iso: string) => Date.parse(iso);

describe("maintenanceEnd", () => {
  it("is undefined outside the default window", () => {
    // Friday 2026-11-27 23:59 Chicago (UTC-6) = Saturday 05:59Z.
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-11-28T05:59:00Z")), undefined);
    // Sunday 12:00 Chicago exactly is the end (exclusive).
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-11-29T18:00:00Z")), undefined);
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-11-25T12:00:00Z")), undefined);
  });

  it("returns Sunday noon Chicago time inside the default window (standard time)", () => {
    const end = at("2026-11-29T18:00:00Z");
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-11-28T06:00:00Z")), end);
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-11-28T06:00:00.500Z")), end);
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-11-29T17:59:59.999Z")), end);
  });

  it("uses daylight time in summer", () => {
    // Saturday 2026-07-11 00:00 CDT = 05:00Z; ends Sunday 12:00 CDT = 17:00Z.
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-07-11T04:59:00Z")), undefined);
    assert.equal(
      maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-07-11T05:00:00Z")),
      at("2026-07-12T17:00:00Z"),
    );
  });

  it("is DST-correct when the clocks fall back inside the window", () => {
    // DST ends Sunday 2026-11-01 02:00 CDT. Window: Sat 00:00 CDT (05:00Z) .. Sun 12:00 CST (18:00Z).
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-10-31T04:59:59Z")), undefined);
    const end = at("2026-11-01T18:00:00Z");
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-10-31T05:00:00Z")), end);
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-11-01T07:30:00Z")), end);
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-11-01T17:59:00Z")), end);
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-11-01T18:00:00Z")), undefined);
  });

  it("is DST-correct when the clocks spring forward inside the window", () => {
    // DST starts Sunday 2026-03-08 02:00 CST. Window: Sat 00:00 CST (06:00Z) .. Sun 12:00 CDT (17:00Z).
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-03-07T05:59:00Z")), undefined);
    const end = at("2026-03-08T17:00:00Z");
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-03-07T06:00:00Z")), end);
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-03-08T08:30:00Z")), end);
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-03-08T16:59:00Z")), end);
    assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, at("2026-03-08T17:00:00Z")), undefined);
  });

  it("handles a window that ends inside a DST gap", () => {
    // Sunday 02:30 does not exist on 2026-03-08 in Chicago; the window ends at 03:00 CDT (08:00Z).
    const window: MaintenanceWindow = {
      timeZone: "America/Chicago",
      start: { day: 0, time: "01:00" },
      end: { day: 0, time: "02:30" },
    };
    const end = maintenanceEnd(window, at("2026-03-08T07:30:00Z"));
    assert.ok(
      end !== undefined && end >= at("2026-03-08T07:59:00Z") && end <= at("2026-03-08T08:30:00Z"),
    );
  });

  it("supports windows that do not wrap and other zones", () => {
    const window: MaintenanceWindow = {
      timeZone: "UTC",
      start: { day: 3, time: "10:00" },
      end: { day: 3, time: "11:30" },
    };
    // 2026-11-25 is a Wednesday.
    assert.equal(maintenanceEnd(window, at("2026-11-25T09:59:00Z")), undefined);
    assert.equal(maintenanceEnd(window, at("2026-11-25T10:15:00Z")), at("2026-11-25T11:30:00Z"));
    assert.equal(maintenanceEnd(window, at("2026-11-25T11:30:00Z")), undefined);
  });

  it("rejects invalid windows with a clear error", () => {
    const bad: MaintenanceWindow = {
      timeZone: "UTC",
      start: { day: 7, time: "10:00" },
      end: { day: 0, time: "25:00" },
    };
    assert.throws(() => maintenanceEnd(bad, 0), /Cannot use the maintenance window as 'start'/);
    assert.throws(
      () => maintenanceEnd({ ...DEFAULT_MAINTENANCE_WINDOW, timeZone: "Nowhere/Land" }, 0),
      RangeError,
    );
  });
});
