// Prints what the graph_checks.py test compares, as JSON: the edges of the
// exported graph as LangGraph draws it (getGraph().drawMermaid()), how the
// export wired it (pipeline.wiring), and the
// problems ajv finds in langgraph.json against the LangGraph CLI's schema.
//   node inspect_export.mjs EXPORT_DIR SCHEMA.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [dir, schemaPath] = process.argv.slice(2);
const { graph, pipeline } = await import(pathToFileURL(`${dir}/graph.mjs`).href);
const mermaid = graph.getGraph().drawMermaid();
// The test's node_modules (the export links it), for ajv.
const require = createRequire(`${dir}/package.json`);
const Ajv = require("ajv");
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));
const manifest = JSON.parse(readFileSync(`${dir}/langgraph.json`, "utf8"));
const valid = validate(manifest);
console.log(JSON.stringify({ mermaid, wiring: pipeline.wiring, valid, errors: validate.errors ?? [] }));
