/**
 * Run as a subprocess by tests/runtime/clock_test.ts: arms a 1000-hour timer and a 1000-hour
 * sleep on the real clock, then a 300 ms one, and prints which fired first.
 */
import process from "node:process";
import { sleep, systemClock } from "../../lib/runtime/clock.ts";

const HOURS_1000 = 1000 * 3_600_000;
const long = systemClock.setTimeout(() => {
  process.stdout.write("long timer fired\n");
}, HOURS_1000);
void sleep(systemClock, HOURS_1000).then(() => process.stdout.write("long sleep ended\n"));
systemClock.setTimeout(() => {
  process.stdout.write("short timer fired\n");
  systemClock.clearTimeout(long);
  process.exit(0);
}, 300);
