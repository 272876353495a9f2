/** Source text helpers for the architecture tests. */

/** The code without comments (doc examples import freely) and, optionally, without strings. */
export function stripComments(code: string, stripStrings = false): string {
  let out = "";
  let i = 0;
  while (i < code.length) {
    const c = code[i]!;
    const next = code[i + 1];
    if (c === "/" && next === "*") {
      const end = code.indexOf("*/", i + 2);
      i = end < 0 ? code.length : end + 2;
    } else if (c === "/" && next === "/") {
      const end = code.indexOf("\n", i);
      i = end < 0 ? code.length : end;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += code[j] === "\\" ? 2 : 1;
      out += stripStrings ? c + c : code.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
