/**
 * The simulator the monitor tests share: one user whose login succeeds and one that is locked
 * out, so a monitor shows a passing and a failing workflow.
 */
import { type Simulator, startSimulator } from "../../lib/sim/simulator.ts";

/** The API key whose login succeeds. */
export const GOOD_KEY = "good-key-123456";
/** The API key whose login answers LOCKED_OUT. */
export const LOCKED_KEY = "locked-key-123456";

/** The server's `error_message` with the LOCKED_OUT answer. */
export const LOCKED_MESSAGE = "Too many failed attempts";

/** Starts the simulator on a free port with {@linkcode GOOD_KEY} and {@linkcode LOCKED_KEY}. */
export function startPassFailSim(): Promise<Simulator> {
  return startSimulator({
    port: 0,
    users: [
      { apiKey: GOOD_KEY, userId: "good" },
      {
        apiKey: LOCKED_KEY,
        userId: "locked",
        outcome: "LOCKED_OUT",
        errorMessage: LOCKED_MESSAGE,
      },
    ],
  });
}
