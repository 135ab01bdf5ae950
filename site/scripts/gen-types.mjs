// Generates TypeScript types for every API call from the functions' OpenAPI
// schemas (site/openapi/*.json, written by `make openapi` and checked by a
// unit test), so `tsc` fails the build when the site and the API drift apart.
import { readdirSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";

const here = new URL("..", import.meta.url).pathname;
const schemaDir = join(here, "openapi");
const outDir = join(here, "src", "api", "generated");
mkdirSync(outDir, { recursive: true });
for (const file of readdirSync(schemaDir).filter((name) => name.endsWith(".json"))) {
  const ast = await openapiTS(new URL(`file://${join(schemaDir, file)}`));
  const name = file.replace(/\.json$/, "");
  writeFileSync(
    join(outDir, `${name}.ts`),
    `// Generated from site/openapi/${file} by scripts/gen-types.mjs. Do not edit.\n${astToString(ast)}`,
  );
}
