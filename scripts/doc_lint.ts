/**
 * `deno task doc:lint`: runs `deno doc --lint` on every entry point (`deno.json` "exports") and
 * fails on any problem in our own documentation: a missing JSDoc, a missing return type, or a
 * public signature that names one of our types that no entry point documents.
 *
 * One kind of report is accepted, and counted: `private-type-ref` to a type that IS documented, but
 * by another entry point (the curated `mod.ts` names message types that `./protocol` documents), or
 * to a type of a dependency (`@bufbuild/protobuf`'s `Message`, `GenMessage`, ...), which Deno's
 * linter cannot see as public.
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };

const entries = Object.values(denoJson.exports as Record<string, string>);

async function deno(args: string[]): Promise<{ code: number; out: string }> {
  const result = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  // deno-lint-ignore no-control-regex
  return { code: result.code, out: text.replace(/\x1b\[[0-9;]*m/g, "") };
}

// Every symbol some entry point documents.
const json = JSON.parse((await deno(["doc", "--json", ...entries])).out) as {
  nodes: Record<string, { symbols?: { name: string }[] }>;
};
const documented = new Set(
  Object.values(json.nodes).flatMap((node) => (node.symbols ?? []).map((s) => s.name)),
);

// Every name our own hand-written code exports (generated code counts as ours, since ./protocol
// documents it).
const ours = new Set<string>();
for await (const file of walk("lib")) {
  const text = await Deno.readTextFile(file);
  for (
    const m of text.matchAll(
      /^export (?:declare )?(?:abstract )?(?:async )?(?:function\*?|class|const|let|type|interface|enum) +([A-Za-z_0-9]+)/gm,
    )
  ) {
    ours.add(m[1]!);
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

const problems: string[] = [];
let crossEntry = 0;
let external = 0;
for (const entry of entries) {
  const { out } = await deno(["doc", "--lint", entry]);
  for (const block of out.split(/\n(?=error\[)/)) {
    const head = block.match(/^error\[([a-z-]+)\]: (.*)$/m);
    if (head === null) continue;
    const [, kind, message] = head;
    const where = block.match(/--> (\S+)/)?.[1] ?? entry;
    const ref = message!.match(/references private type '([^']+)'/)?.[1];
    if (kind === "private-type-ref" && ref !== undefined) {
      if (!ours.has(ref)) {
        external++;
        continue;
      }
      if (documented.has(ref)) {
        crossEntry++;
        continue;
      }
    }
    problems.push(`${where}: ${kind}: ${message}`);
  }
}

const unique = [...new Set(problems)];
for (const problem of unique) console.error(problem);
console.log(
  `doc lint: ${entries.length} entry points, ${unique.length} problems; accepted ${crossEntry} ` +
    `references to types another entry point documents and ${external} to dependencies' types`,
);
if (unique.length > 0) Deno.exit(1);
