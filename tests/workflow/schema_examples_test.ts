/**
 * The committed JSON Schema accepts what the loader accepts: every example in examples/ (with its
 * `${NAME}` references, e.g. `webhook: ${ALERT_WEBHOOK}`) validates against
 * schema/workflow.schema.json with a real JSON Schema validator (Ajv, draft 2020-12).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";

const schema = JSON.parse(readFileSync("schema/workflow.schema.json", "utf8"));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const examples = readdirSync("examples").filter((f) => f.endsWith(".yaml")).sort();

describe("schema/workflow.schema.json", () => {
  it("is checked on every example", () => assert.ok(examples.length >= 4, examples.join(", ")));

  for (const name of examples) {
    it(`accepts examples/${name}, which the loader accepts`, () => {
      const text = readFileSync(join("examples", name), "utf8");
      const env = { T4_API_KEY: "sk-schema-key-1", ALERT_WEBHOOK: "https://hooks.example/x" };
      parseWorkflow(text, name, { env });
      const valid = validate(parse(text));
      assert.ok(valid, JSON.stringify(validate.errors, null, 2));
    });
  }

  it("examples write their alert files outside the repository", () => {
    const repo = resolve(".");
    for (const name of examples) {
      const text = readFileSync(join("examples", name), "utf8");
      const workflow = parseWorkflow(text, join("examples", name), {
        env: { T4_API_KEY: "sk-schema-key-1", ALERT_WEBHOOK: "https://hooks.example/x" },
        dir: resolve("examples"),
      });
      for (const sink of workflow.alerts.flatMap((a) => a.to)) {
        if (sink.kind !== "file") continue;
        assert.ok(!resolve(sink.path).startsWith(repo), `${name} writes ${sink.path}`);
      }
    }
  });

  it("accepts ${NAME} where a URL, a duration or a fixed value is expected", () => {
    const doc = {
      version: 1,
      name: "env",
      connection: { env: "${T4_ENV}", auth: { api_key: "${K}" }, heartbeat: "${HB:-20s}" },
      steps: ["login", { hold: "${HOLD:?set HOLD}" }],
      alerts: [{ on: "failed", to: [{ webhook: "${ALERT_WEBHOOK}" }] }],
    };
    assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
  });

  it("still rejects what the loader rejects", () => {
    const bad = {
      version: 1,
      name: "bad",
      connection: { env: "simm", auth: { api_key: "k" } },
      steps: ["logn"],
    };
    assert.equal(validate(bad), false);
  });
});
