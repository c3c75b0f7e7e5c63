// Validate Turtle files with rdf-validate-shacl (a SHACL-Core-only engine) and print the reports as
// JSON: {CASE: {conforms, results: [{focus, path, component, severity, shape}]}}.
// Usage: node shacl_core.mjs SHAPES.ttl CONTEXT.ttl CASE.ttl [CASE.ttl ...]
// Each CASE is validated together with CONTEXT (the reference data it points at). The packages are
// resolved from the folder the script is copied into (tests/validation/test_shapes_engines.py).
import fs from "node:fs";
import rdf from "rdf-ext";
import ParserN3 from "@rdfjs/parser-n3";
import SHACLValidator from "rdf-validate-shacl";

async function load(paths) {
  const dataset = rdf.dataset();
  for (const path of paths) {
    const quads = new ParserN3({ factory: rdf }).import(fs.createReadStream(path));
    for await (const quad of quads) { dataset.add(quad); }
  }
  return dataset;
}

const [shapesPath, contextPath, ...cases] = process.argv.slice(2);
const shapes = await load([shapesPath]);
const term = (t) => (t ? t.value : null);
const out = {};
for (const path of cases) {
  const report = await new SHACLValidator(shapes).validate(await load([contextPath, path]));
  out[path] = {
    conforms: report.conforms,
    results: report.results.map((r) => ({
      focus: term(r.focusNode), path: term(r.path), component: term(r.sourceConstraintComponent),
      severity: term(r.severity), shape: term(r.sourceShape),
    })),
  };
}
process.stdout.write(JSON.stringify(out));
