/**
 * Files the CLI reads and writes (workflow files, `--state`, `--report`, `--junit`, alert
 * `file:` sinks) opened so that nothing can hang the process: every open is non-blocking, only
 * regular files are accepted (a named pipe without a reader would block an open for good, a
 * device such as `/dev/zero` never ends), reads have a size limit, and new files are created
 * with mode 0600. A path the user names explicitly as a standard stream (`/dev/stdout`,
 * `/dev/stderr`, `/dev/fd/1`, `/dev/fd/2`, `/dev/null`) is accepted as is.
 *
 * @module
 */

import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  type Stats,
  statSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

/** Paths accepted although they are not regular files: the standard streams and the null device. */
export const STANDARD_STREAM_PATHS: readonly string[] = [
  "/dev/stdout",
  "/dev/stderr",
  "/dev/fd/1",
  "/dev/fd/2",
  "/dev/null",
];

/** A path that is not a regular file (a FIFO, a socket, a device, a directory). */
export class FileKindError extends Error {
  /** Always `"FileKindError"`. */
  override readonly name = "FileKindError";
  /** The path. */
  readonly path: string;
  /** What it is instead: `named pipe (FIFO)`, `socket`, `device`, `directory` or `special file`. */
  readonly kind: string;

  /**
   * Creates the error.
   *
   * @param path The path.
   * @param kind What it is.
   * @param action What could not be done, e.g. `read` or `write`.
   */
  constructor(path: string, kind: string, action: string) {
    super(`Cannot ${action} ${path} as it is a ${kind}, not a regular file`);
    this.path = path;
    this.kind = kind;
  }
}

/** A file larger than the size limit of its kind. */
export class FileTooLargeError extends Error {
  /** Always `"FileTooLargeError"`. */
  override readonly name = "FileTooLargeError";
  /** The path. */
  readonly path: string;
  /** The limit in bytes. */
  readonly limitBytes: number;

  /**
   * Creates the error.
   *
   * @param path The path.
   * @param limitBytes The limit in bytes.
   */
  constructor(path: string, limitBytes: number) {
    super(`Cannot read ${path} as it is larger than ${_bytes(limitBytes)}`);
    this.path = path;
    this.limitBytes = limitBytes;
  }
}

/** An output path that cannot be written (checked before anything is sent). */
export class OutputPathError extends Error {
  /** Always `"OutputPathError"`. */
  override readonly name = "OutputPathError";
  /** The path. */
  readonly path: string;

  /**
   * Creates the error.
   *
   * @param path The path.
   * @param message The full message.
   * @param options Error options (`cause`).
   */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

/**
 * Reads a regular text file of at most `maxBytes` bytes without ever blocking on the open.
 *
 * @param path The file.
 * @param maxBytes The size limit in bytes.
 * @returns The text (UTF-8).
 * @throws {FileKindError} When the path is not a regular file (e.g. a FIFO or `/dev/zero`).
 * @throws {FileTooLargeError} When the file is larger than `maxBytes`.
 * @throws {Error} The file system error (`ENOENT`, `EACCES`, ...).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { FileKindError, FileTooLargeError, readRegularFile } from "./files.ts";
 *
 * const file = join(mkdtempSync(join(tmpdir(), "t4flow-")), "w.yaml");
 * writeFileSync(file, "version: 1\n");
 * assert.equal(readRegularFile(file, 1024), "version: 1\n");
 * assert.throws(() => readRegularFile(file, 4), FileTooLargeError);
 * assert.throws(() => readRegularFile("/dev/zero", 1024), FileKindError);
 * ```
 */
export function readRegularFile(path: string, maxBytes: number): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new FileKindError(path, _kind(stats), "read");
    if (stats.size > maxBytes) throw new FileTooLargeError(path, maxBytes);
    const buffer = new Uint8Array(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) throw new FileTooLargeError(path, maxBytes);
    }
    return new TextDecoder().decode(buffer.subarray(0, length));
  } finally {
    closeSync(fd);
  }
}

/** Options of {@linkcode writeRegularFile}. */
export interface WriteRegularFileOptions {
  /**
   * Append instead of replacing the content.
   *
   * @default false
   */
  append?: boolean;
  /**
   * Create missing parent directories.
   *
   * @default true
   */
  mkdir?: boolean;
}

/**
 * Writes (or appends) text to a regular file, created with mode 0600, without ever blocking on
 * the open. One of {@linkcode STANDARD_STREAM_PATHS} is written as is.
 *
 * @param path The file.
 * @param text The text (UTF-8).
 * @param options Append, create parent directories.
 * @throws {FileKindError} When the path exists and is not a regular file (e.g. a FIFO).
 * @throws {Error} The file system error (`EACCES`, `ENOTDIR`, `ENOSPC`, ...).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readFileSync, statSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { writeRegularFile } from "./files.ts";
 *
 * const file = join(mkdtempSync(join(tmpdir(), "t4flow-")), "out", "alerts.jsonl");
 * writeRegularFile(file, "one\n", { append: true });
 * writeRegularFile(file, "two\n", { append: true });
 * assert.equal(readFileSync(file, "utf8"), "one\ntwo\n");
 * assert.equal(statSync(file).mode & 0o777, 0o600);
 * ```
 */
export function writeRegularFile(
  path: string,
  text: string,
  options: WriteRegularFileOptions = {},
): void {
  const stream = STANDARD_STREAM_PATHS.includes(path);
  if (!stream && options.mkdir !== false) mkdirSync(dirname(path), { recursive: true });
  const flags = constants.O_WRONLY | constants.O_CREAT |
    (options.append ? constants.O_APPEND : 0) | (stream ? 0 : constants.O_NONBLOCK);
  const fd = openSync(path, flags, 0o600);
  try {
    const stats = fstatSync(fd);
    if (!stream && !stats.isFile()) throw new FileKindError(path, _kind(stats), "write");
    if (!options.append && stats.isFile()) ftruncateSync(fd, 0);
    const bytes = new TextEncoder().encode(text);
    let written = 0;
    while (written < bytes.length) {
      written += writeSync(fd, bytes, written, bytes.length - written);
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENXIO") {
      throw new FileKindError(path, "named pipe (FIFO) without a reader", "write");
    }
    throw error;
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks, before anything is sent, that an output file can be written: its directory exists (or
 * can be created) and is writable, and the path is a regular file (or does not exist yet) or one
 * of {@linkcode STANDARD_STREAM_PATHS}. Nothing is written to the file itself.
 *
 * @param path The output file.
 * @param flag What names it, for the message (e.g. `--report` or `alerts[0].to[1].file`).
 * @throws {OutputPathError} When the file cannot be written; the message names the flag and path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOutputPath, OutputPathError } from "./files.ts";
 *
 * checkOutputPath("/dev/stdout", "--report");
 * assert.throws(() => checkOutputPath("/proc/version/report.json", "--report"), OutputPathError);
 * ```
 */
export function checkOutputPath(path: string, flag: string): void {
  if (STANDARD_STREAM_PATHS.includes(path)) return;
  const fail = (why: string, cause?: unknown): never => {
    throw new OutputPathError(
      path,
      `Cannot write ${flag} ${path} as ${why}: nothing was sent`,
      cause === undefined ? undefined : { cause },
    );
  };
  let stats: Stats | undefined;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== "ENOENT") fail(_code(error), error);
  }
  if (stats !== undefined && !stats.isFile()) fail(`it is a ${_kind(stats)}, not a regular file`);
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    fail(`its directory ${dir} cannot be created (${_code(error)})`, error);
  }
  try {
    accessSync(stats === undefined ? dir : path, constants.W_OK);
  } catch (error) {
    fail(
      stats === undefined
        ? `its directory ${dir} is not writable (${_code(error)})`
        : `it is not writable (${_code(error)})`,
      error,
    );
  }
}

function _kind(stats: Stats): string {
  if (stats.isFIFO()) return "named pipe (FIFO)";
  if (stats.isSocket()) return "socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "device";
  if (stats.isDirectory()) return "directory";
  return "special file";
}

function _code(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
}

function _bytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
