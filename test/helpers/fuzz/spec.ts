/**
 * The operations of Tessera's own OpenAPI document (`openapi.yml`), in the shape the fuzz
 * generators need: every method of every path, its path and query parameters, its request body
 * schema and the responses it declares.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';

export type Schema = Record<string, any>;

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema: Schema;
}

export interface FuzzOperation {
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path template under /api/v3, e.g. `/core/users/{id}/`. */
  template: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  body?: Schema;
  /** Declared statuses, as strings (`"200"`, `"400"`, ...). */
  responses: string[];
}

interface Document {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, Schema> };
}

let document: Document | undefined;

function load(): Document {
  document ??= YAML.parse(readFileSync(new URL('../../../openapi.yml', import.meta.url), 'utf8')) as Document;
  return document;
}

/** Follows a local `$ref` (`#/components/schemas/X`) to its schema. */
export function deref(schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; current?.$ref && hops < 10; hops += 1) {
    const name = String(current.$ref).split('/').pop() as string;
    current = load().components.schemas[name] ?? {};
  }
  return current;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function operations(): FuzzOperation[] {
  const result: FuzzOperation[] = [];
  for (const [template, item] of Object.entries(load().paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])] as Parameter[];
      result.push({
        id: operation.operationId ?? `${method} ${template}`,
        method: method.toUpperCase() as FuzzOperation['method'],
        template,
        pathParams: parameters.filter((p) => p.in === 'path'),
        queryParams: parameters.filter((p) => p.in === 'query'),
        body: operation.requestBody?.content?.['application/json']?.schema,
        responses: Object.keys(operation.responses ?? {}),
      });
    }
  }
  return result;
}
