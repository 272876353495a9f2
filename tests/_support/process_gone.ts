/** Helpers for tests that check which processes are left behind. */
import { readFileSync } from "node:fs";

/** Waits up to 5 s for a process to end (gone, or a zombie nobody reaps). */
export async function processGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return true;
    }
    if (/^\d+ \(.*\) Z/.test(stat)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
