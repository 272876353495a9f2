/**
 * A throwaway certificate authority and a server certificate it signed, made with the `openssl`
 * command line in a temporary folder, for `wss://` tests.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM texts. */
export interface TestCertificates {
  /** The CA's certificate: what a client must trust. */
  ca: string;
  /** The server's certificate, for `subjectAltName` names only. */
  cert: string;
  /** The server's private key. */
  key: string;
  /** Another CA's certificate, which did not sign the server's. */
  otherCa: string;
}

function _openssl(dir: string, args: string[]): void {
  const out = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (out.status !== 0) {
    throw new Error(`Cannot run 'openssl ${args.join(" ")}': ${out.stderr || out.error}`);
  }
}

/**
 * Makes a CA and a server certificate for `names` (DNS names).
 *
 * @param names The server's DNS names, e.g. `["localhost"]`.
 */
export function makeTestCertificates(names: readonly string[]): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "t4flow-tls-"));
  try {
    for (const ca of ["ca", "other"]) {
      _openssl(dir, [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        `${ca}.key`,
        "-out",
        `${ca}.pem`,
        "-days",
        "2",
        "-subj",
        `/CN=t4flow test ${ca} CA`,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
      ]);
    }
    _openssl(dir, [
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      `/CN=${names[0]}`,
    ]);
    writeFileSync(
      join(dir, "ext.cnf"),
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\n` +
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    _openssl(dir, [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ]);
    const read = (name: string) => readFileSync(join(dir, name), "utf8");
    return {
      ca: read("ca.pem"),
      cert: read("server.pem"),
      key: read("server.key"),
      otherCa: read("other.pem"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
