/**
 * Writing the JSON and JUnit reports of `t4flow run`: a report that cannot be written is an error
 * on stderr, never a crash, and the caller learns it failed (so the exit code says so). Reports
 * are regular files created with mode 0600, opened without blocking (a FIFO is refused).
 *
 * @module
 */

import { writeRegularFile } from "../runtime/files.ts";
import { junitXml } from "../workflow/junit_report.ts";
import type { RunReport } from "../workflow/run_report.ts";
import type { CliIo } from "./cli_io.ts";

/**
 * Writes the JSON report (creating its folder).
 *
 * @param file The `--report` path.
 * @param report The report.
 * @param io Where a failure is printed.
 * @returns `true` when the report was written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeReportFile } from "./report_files.ts";
 *
 * const err: string[] = [];
 * const io = { stdout: () => {}, stderr: (t: string) => void err.push(t), isTTY: false, env: {}, onInterrupt: () => () => {} };
 * writeReportFile("/dev/null/x/report.json", {} as never, io);
 * assert.match(err.join(""), /^t4flow: cannot write the report to/);
 * ```
 */
export function writeReportFile(file: string, report: RunReport, io: CliIo): boolean {
  return _write(file, () => `${JSON.stringify(report, null, 2)}\n`, "report", io);
}

/**
 * Writes the JUnit XML report (creating its folder).
 *
 * @param file The `--junit` path.
 * @param report The report.
 * @param io Where a failure is printed.
 * @returns `true` when the report was written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeJunitFile } from "./report_files.ts";
 *
 * const err: string[] = [];
 * const io = { stdout: () => {}, stderr: (t: string) => void err.push(t), isTTY: false, env: {}, onInterrupt: () => () => {} };
 * writeJunitFile("/dev/null/x/junit.xml", {} as never, io);
 * assert.match(err.join(""), /^t4flow: cannot write the JUnit report to/);
 * ```
 */
export function writeJunitFile(file: string, report: RunReport, io: CliIo): boolean {
  return _write(file, () => junitXml(report), "JUnit report", io);
}

function _write(file: string, text: () => string, what: string, io: CliIo): boolean {
  try {
    writeRegularFile(file, text());
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    io.stderr(
      `t4flow: cannot write the ${what} to ${file} (${
        code ?? (error instanceof Error ? error.message : String(error))
      })\n`,
    );
    return false;
  }
}
