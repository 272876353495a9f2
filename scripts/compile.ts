/**
 * `deno task compile`: builds the single `t4flow` binary with `bun build --compile` (it works
 * offline; `deno compile` downloads a runtime, see `deno task compile:deno`). Its one prerequisite
 * is `bun` on the PATH: without it this says so and how to get it, and exits 1.
 *
 * Usage: `deno task compile [--outfile dist/t4flow]`
 *
 * @module
 */

const outfile = Deno.args[Deno.args.indexOf("--outfile") + 1] ?? "dist/t4flow";

let bun: Deno.CommandOutput;
try {
  bun = await new Deno.Command("bun", { args: ["--version"], stdout: "piped", stderr: "null" })
    .output();
} catch {
  console.error(
    "Cannot compile as `bun` is not on the PATH: `deno task compile` builds with " +
      "`bun build --compile`. Install Bun 1.4.5 (`npm install -g bun@1.4.5`, or use the pinned " +
      "copy: `(cd .ci/tools && npm ci) && export PATH=$PWD/.ci/tools/node_modules/.bin:$PATH`).",
  );
  Deno.exit(1);
}
console.log(`Building ${outfile} with bun ${new TextDecoder().decode(bun.stdout).trim()}`);
const build = await new Deno.Command("bun", {
  // --splitting keeps the commands' modules lazy in the binary too (--help loads none of them);
  // --bytecode ships JavaScriptCore bytecode, so a start compiles nothing (a login-and-exit run
  // 105 → 40 ms); splitting needs --format=esm.
  args: [
    "build",
    "--compile",
    "--bytecode",
    "--format=esm",
    "--splitting",
    "cli.ts",
    "--outfile",
    outfile,
  ],
  stdout: "inherit",
  stderr: "inherit",
}).output();
Deno.exit(build.code);
