import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventTypes, eventJsonSchemas, renderJsonSchema } from '../src/index.ts';

const schemasDir = join(import.meta.dirname, '..', 'schemas');
const regenerate = 'run `npx node packages/contracts/scripts/export-json-schema.ts` and commit schemas/';

test('committed JSON Schema files match the TypeBox definitions', () => {
  const documents = eventJsonSchemas();
  const committed = readdirSync(schemasDir).filter((file) => file.endsWith('.schema.json'));
  assert.deepEqual(committed.sort(), Object.keys(documents).sort(), `schema files differ; ${regenerate}`);
  for (const [file, document] of Object.entries(documents)) {
    const onDisk = readFileSync(join(schemasDir, file), 'utf8');
    assert.equal(onDisk, renderJsonSchema(document), `schemas/${file} is stale; ${regenerate}`);
  }
});

test('every event type has a schema file describing its envelope and data', () => {
  const documents = eventJsonSchemas() as Record<
    string,
    { properties: { type: { const: string }; data: { required: string[] } } }
  >;
  const orderCreated = documents['order-created.v1.schema.json']!;
  assert.equal(orderCreated.properties.type.const, EventTypes.orderCreated);
  assert.deepEqual(orderCreated.properties.data.required, ['orderId', 'productId', 'quantity', 'createdAt']);
  assert.equal(Object.keys(documents).length, Object.keys(EventTypes).length);
});
