/**
 * Regenerates `lib/gen/` from `proto/` with `@bufbuild/protoc-gen-es` through the `buf` CLI.
 *
 * `deno task gen` writes the code; `deno run -A scripts/gen.ts --check` regenerates it and exits
 * non-zero when the committed code differs from what `proto/` produces (CI's drift check).
 *
 * @module
 */

const check = Deno.args.includes("--check");

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "inherit" }).output();
  if (!out.success) {
    throw new Error(`Cannot run '${cmd} ${args.join(" ")}': exit code ${out.code}`);
  }
  return new TextDecoder().decode(out.stdout);
}

await run("node_modules/.bin/buf", ["generate"]);

if (check) {
  const status = await run("git", ["status", "--porcelain", "--", "lib/gen"]);
  if (status.trim() !== "") {
    console.error(
      "Cannot accept lib/gen as it differs from what proto/ generates: run `deno task gen` and commit\n" +
        status,
    );
    Deno.exit(1);
  }
  console.log("lib/gen is up to date with proto/");
}
