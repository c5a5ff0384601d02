/**
 * Shared wire components, each registered once under authentik's component name so that the
 * generated OpenAPI document and authentik's `schema.yml` name them alike.
 * @see authentik/api/v3/schema/response.py (GenericError, ValidationError, Pagination)
 */
import { Type, type TSchema, type TObject, type TProperties, type Static } from '@sinclair/typebox';
import type { JsonSchema, SchemaRegistry } from './validation.js';

/** Every named component, in registration order (the app registers them all at start). */
export const componentSchemas: TSchema[] = [];

/** Gives a schema authentik's component name and records it for registration. */
export function component<T extends TSchema>(id: string, schema: T): T {
  const named = { ...schema, $id: id } as T;
  componentSchemas.push(named);
  return named;
}

/** A reference to a component, typed as the component. */
export function ref<T extends TSchema>(schema: T): T {
  if (!schema.$id) throw new Error('ref() needs a named component');
  return Type.Unsafe<Static<T>>({ $ref: schema.$id }) as unknown as T;
}

/** OpenAPI 3.0 `nullable: true` (understood by the serializer and our validator). */
export function Nullable<T extends TSchema>(schema: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<Static<T> | null>({ ...schema, ...options, nullable: true });
}

/** A string enum the way drf-spectacular writes it: `{type: string, enum: [...]}`. */
export function StringEnum<const T extends readonly string[]>(id: string, values: T, description?: string) {
  return component(
    id,
    Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) }),
  );
}

/** A JSON object with any keys (DRF JSONField / authentik's JSONDictField). */
export const JsonObject = (options: Record<string, unknown> = {}) =>
  Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: {}, ...options });

export const ReadOnly = <T extends TSchema>(schema: T) => ({ ...schema, readOnly: true }) as T;

export const GenericError = component(
  'GenericError',
  Type.Object(
    { detail: Type.String(), code: Type.Optional(Type.String()) },
    { description: 'Generic API Error' },
  ),
);

export const ValidationError = component(
  'ValidationError',
  Type.Unsafe<{ non_field_errors?: string[]; code?: string; [field: string]: unknown }>({
    type: 'object',
    description: 'Validation Error',
    properties: {
      non_field_errors: { type: 'array', items: { type: 'string' } },
      code: { type: 'string' },
    },
    additionalProperties: {},
  }),
);

export const Pagination = component(
  'Pagination',
  Type.Object({
    next: Type.Number(),
    previous: Type.Number(),
    count: Type.Number(),
    current: Type.Number(),
    total_pages: Type.Number(),
    start_index: Type.Number(),
    end_index: Type.Number(),
  }),
);

export const Autocomplete = component('Autocomplete', JsonObject());

/**
 * A serializer's two request components, `<Model>Request` (create, update) and
 * `Patched<Model>Request` (partial update: every field optional), as drf-spectacular derives
 * them from one serializer's writable fields.
 */
export function requestComponents<P extends TProperties>(model: string, properties: P, description: string) {
  return {
    request: component(`${model}Request`, Type.Object(properties, { description })),
    patched: component(`Patched${model}Request`, Type.Partial(Type.Object(properties), { description })),
  };
}

/**
 * What drf-spectacular derives from one ModelSerializer besides the object itself: the
 * request, the partial-update request and the paginated list, as a tuple to name at once:
 * `export const [XRequest, PatchedXRequest, PaginatedXList] = modelSchemas(X, properties)`.
 */
export function modelSchemas<T extends TObject, P extends TProperties>(
  item: T,
  properties: P,
  description = `${item.$id} Serializer`,
) {
  const { request, patched } = requestComponents(String(item.$id), properties, description);
  return [request, patched, paginated(item)] as const;
}

/** `Paginated<Name>List`, as drf-spectacular names every paginated list. */
export function paginated<T extends TObject>(item: T) {
  return component(
    `Paginated${item.$id}List`,
    Type.Object({
      pagination: ref(Pagination),
      results: Type.Array(ref(item)),
      autocomplete: ref(Autocomplete),
    }),
  );
}

export const UsedByActionEnum = StringEnum('UsedByActionEnum', [
  'cascade',
  'cascade_many',
  'set_null',
  'set_default',
  'left_dangling',
] as const);

export const UsedBy = component(
  'UsedBy',
  Type.Object(
    {
      app: Type.String(),
      model_name: Type.String(),
      pk: Type.String(),
      name: Type.String(),
      action: ref(UsedByActionEnum),
    },
    { description: 'A list of all objects referencing the queried object' },
  ),
);
export type UsedByItem = Static<typeof UsedBy>;

/** Looks components up by name for the body validator. */
export function schemaRegistry(): SchemaRegistry {
  return new Map(componentSchemas.map((schema) => [schema.$id as string, schema as unknown as JsonSchema]));
}

/** "Types of an object that can be created": the answer of the `types/` and `events/actions/` endpoints. */
export const TypeCreate = component(
  'TypeCreate',
  Type.Object(
    {
      name: Type.String(),
      description: Type.String(),
      component: Type.String(),
      model_name: Type.String(),
      icon_url: Type.Optional(Type.String()),
      requires_enterprise: Type.Optional(Type.Boolean({ default: false })),
      deprecated: Type.Optional(Type.Boolean({ default: false })),
    },
    { description: 'Types of an object that can be created' },
  ),
);
export type TypeCreateItem = Static<typeof TypeCreate>;
