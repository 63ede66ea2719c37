// Validates static/openapi.json (served as GET /openapi.json) against the OpenAPI 3.1 schema
// with @seriousme/openapi-schema-validator, and checks that every documented error response
// uses the one error shape. The integration test OpenApi.EveryDocumentedOperationIsServed checks
// the other side: each operation exists on a real server.
import { Validator } from "@seriousme/openapi-schema-validator";
import { readFile } from "node:fs/promises";

const file = new URL("../../static/openapi.json", import.meta.url);
const doc = JSON.parse(await readFile(file, "utf8"));
const validator = new Validator();
const result = await validator.validate(doc);
if (!result.valid) {
  console.error("openapi: static/openapi.json is not valid OpenAPI", validator.version);
  console.error(JSON.stringify(result.errors, null, 1));
  process.exit(1);
}
if (validator.version !== "3.1") {
  console.error(`openapi: expected a 3.1 document, found ${validator.version}`);
  process.exit(1);
}
let operations = 0;
for (const [path, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (method === "parameters") continue;
    operations++;
    for (const [status, res] of Object.entries(op.responses ?? {})) {
      const r = res.$ref ? doc.components.responses[res.$ref.split("/").pop()] : res;
      const schema = r?.content?.["application/json"]?.schema;
      if (Number(status) >= 400 && schema && schema.$ref !== "#/components/schemas/Error" &&
          !(path === "/readyz" && status === "503")) {
        console.error(`openapi: ${method.toUpperCase()} ${path} ${status} is not the error shape`);
        process.exit(1);
      }
    }
  }
}
console.log(`openapi: valid OpenAPI ${validator.version}, ${Object.keys(doc.paths).length} paths, ${operations} operations`);
