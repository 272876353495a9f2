import { readdirSync, readFileSync } from "node:fs";

const _dir = new URL("../fixtures/golden/", import.meta.url);

/** One golden frame: its name, its bytes and its canonical proto3 JSON. */
export interface GoldenFrame {
  name: string;
  bin: Uint8Array;
  json: unknown;
}

/** Loads every golden frame whose name starts with `prefix` (`client_` or `server_`). */
export function goldenFrames(prefix: "client_" | "server_"): GoldenFrame[] {
  return readdirSync(_dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith(".bin"))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      return {
        name,
        bin: new Uint8Array(readFileSync(new URL(f, _dir))),
        json: JSON.parse(readFileSync(new URL(`${name}.json`, _dir), "utf8")),
      };
    });
}

/** Loads one golden frame's bytes by name, e.g. `server_market_depth`. */
export function goldenBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`${name}.bin`, _dir)));
}
