/**
 * Regenerates `lib/protocol/gen/` from `proto/` through the `buf` CLI (`buf.gen.yaml`) with two plugins:
 * `@bufbuild/protoc-gen-es` (message types and schemas) and `scripts/protoc-gen-t4fast.ts`
 * (specialized decoders for the hot server messages, run with this same `deno`).
 *
 * `deno task gen` writes the code; `deno run -A scripts/gen.ts --check` regenerates it and exits
 * non-zero when the committed code differs from what `proto/` produces (CI's drift check).
 *
 * @module
 */

const check = Deno.args.includes("--check");

// buf runs protoc-gen-t4fast as `deno run ...`: make sure that is this deno.
const execDir = Deno.execPath().replace(/[\\/][^\\/]*$/, "");
const env = { PATH: `${execDir}:${Deno.env.get("PATH") ?? ""}` };

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "inherit" })
    .output();
  if (!out.success) {
    throw new Error(`Cannot run '${cmd} ${args.join(" ")}': exit code ${out.code}`);
  }
  return new TextDecoder().decode(out.stdout);
}

await run("node_modules/.bin/buf", ["generate"]);

if (check) {
  const status = await run("git", ["status", "--porcelain", "--", "lib/protocol/gen"]);
  if (status.trim() !== "") {
    console.error(
      "Cannot accept lib/protocol/gen as it differs from what proto/ generates: run `deno task gen` and commit\n" +
        status,
    );
    Deno.exit(1);
  }
  console.log("lib/protocol/gen is up to date with proto/");
}
