import type { TSchema } from 'typebox';
import { CloudEventEnvelope } from './cloud-event.ts';
import { EventDataSchemas, EventSchemaNames, type EventType } from './event-catalog.ts';

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * JSON Schema documents for consumers written in other languages: for each event type, the whole CloudEvent with
 * `type` fixed and `data` inlined. Keyed by file name, e.g. `order-created.v1.schema.json`.
 */
export function eventJsonSchemas(): Record<string, object> {
  const documents: Record<string, object> = {};
  for (const [type, data] of Object.entries(EventDataSchemas) as [EventType, TSchema][]) {
    const name = EventSchemaNames[type];
    documents[`${name}.schema.json`] = {
      $schema: JSON_SCHEMA_DIALECT,
      $id: `urn:orderflow:schema:${name}`,
      title: `${type} (CloudEvents 1.0 structured JSON)`,
      type: 'object',
      required: ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'data'],
      properties: {
        ...plain(CloudEventEnvelope).properties,
        type: { const: type },
        data: plain(data),
      },
    };
  }
  return documents;
}

/** Serialised exactly as committed under schemas/, so a test can compare bytes. */
export function renderJsonSchema(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

// TypeBox schemas are plain JSON Schema plus non-enumerable markers; a JSON round trip keeps only the former.
function plain(schema: TSchema): { properties: Record<string, unknown> } {
  return JSON.parse(JSON.stringify(schema));
}
