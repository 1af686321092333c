// Writes schemas/*.schema.json from the TypeBox definitions. Run after changing an event:
//   npx node packages/contracts/scripts/export-json-schema.ts
// test/json-schema.test.ts fails while the committed files are stale.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventJsonSchemas, renderJsonSchema } from '../src/json-schema.ts';

const outDir = join(import.meta.dirname, '..', 'schemas');
const documents = eventJsonSchemas();

mkdirSync(outDir, { recursive: true });
for (const file of readdirSync(outDir)) {
  if (file.endsWith('.schema.json') && !(file in documents)) rmSync(join(outDir, file));
}
for (const [file, document] of Object.entries(documents)) {
  writeFileSync(join(outDir, file), renderJsonSchema(document));
  console.log(`wrote schemas/${file}`);
}
