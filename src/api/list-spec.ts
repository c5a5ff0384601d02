/**
 * A list endpoint's query, declared once: its django-filter filters, DRF's search fields and
 * ordering fields, each with the column it reads. The declaration yields the three things that
 * used to be written separately: the OpenAPI query parameters (`querystring`), the parsing of
 * the raw query with django-filter's and DRF's rules (`parse`, run by the route before the
 * handler) and the SQL (`listSql`: WHERE and ORDER BY).
 *
 * Declarations live in repositories (they name columns); the constructors in `filter` give each
 * django-filter class its parsing, its error message and its parameter schema.
 * @see django_filters/filters.py, rest_framework/filters.py SearchFilter, OrderingFilter
 */
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { icontains, orderTerm, uuidArray, type CountedTable, type ListSql } from '../db/list-query.js';
import { ApiError, Messages, type FieldErrors } from './errors.js';
import { FilterReader, allValues, type RawQuery } from './filters.js';
import { readOrdering, type OrderTerm } from './ordering.js';
import { readPage, type PageRequest, type PageSizeSettings } from './pagination.js';
import { likeContains, readSearch } from './search.js';

/** One django-filter filter: how it reads its parameter and what it adds to WHERE. */
export interface FilterDef<T> {
  /** The parameter's OpenAPI schema. */
  schema: TSchema;
  /** The parameter is documented as required (its reader reports it missing). */
  required?: boolean;
  read(reader: FilterReader, key: string): T | undefined;
  /**
   * The WHERE term for a value; none means the value never reaches SQL (see `check`), and
   * undefined that this value filters nothing (an empty JSON lookup). `filters` holds the
   * request's other values, for a filter another one modifies (roles' `inherited`).
   */
  where?(value: T, filters: Record<string, unknown>): SQL | undefined;
  /**
   * A check that needs the database (a ModelChoiceFilter's object must exist), run after the
   * permission filter; returns the field's error message, or undefined.
   */
  check?(db: Db, value: T, query: RawQuery, key: string): Promise<string | undefined>;
  /**
   * A check that runs only once every filter is valid and raises its own 400 (a FilterSet
   * method that raises ValidationError, such as authentik's `filter_attributes`).
   */
  validate?(value: T): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each filter has its own value type
export type AnyFilter = FilterDef<any>;
type ValueOf<D> = D extends FilterDef<infer T> ? T : never;
export type FilterValues<F extends Record<string, AnyFilter>> = { [K in keyof F]?: ValueOf<F[K]> };

const eq = (column: SQL) => (value: unknown) => sql`${column} = ${value}`;

/** The django-filter classes the resources use, each for one column compared with `=`. */
export const filter = {
  /** CharFilter: stripped; empty is no filter; NUL is "Null characters are not allowed.". */
  text: (column: SQL, schema: TSchema = Type.String()): FilterDef<string> => ({
    schema,
    read: (r, key) => r.text(key),
    where: eq(column),
  }),
  /** BooleanFilter on a plain FilterSet (NullBooleanSelect: `true`/`True`/`2`, `false`/`False`/`3`). */
  boolean: (column: SQL): FilterDef<boolean> => ({
    schema: Type.Boolean(),
    read: (r, key) => r.boolean(key),
    where: eq(column),
  }),
  /** BooleanFilter from `filterset_fields` (BooleanWidget: `true`/`false`/`1`/`0`, any case). */
  drfBoolean: (column: SQL): FilterDef<boolean> => ({
    schema: Type.Boolean(),
    read: (r, key) => r.drfBoolean(key),
    where: eq(column),
  }),
  /** UUIDFilter: "Enter a valid UUID.". */
  uuid: (column: SQL): FilterDef<string> => ({
    schema: Type.String({ format: 'uuid' }),
    read: (r, key) => r.uuid(key),
    where: eq(column),
  }),
  /** ChoiceFilter: "Select a valid choice. x is not one of the available choices.". */
  choice: <T extends string>(
    column: SQL,
    choices: readonly T[],
    schema: TSchema = Type.String(),
  ): FilterDef<T> => ({
    schema,
    read: (r, key) => r.choice(key, choices),
    where: eq(column),
  }),
  /**
   * NumberFilter on an integer column, compared as numeric: a value outside the column's range
   * matches nothing, as Django's overflow-aware integer lookups answer.
   */
  integer: (column: SQL): FilterDef<number> => ({
    schema: Type.Integer(),
    read: (r, key) => r.integer(key),
    where: (value) => sql`${column} = ${String(value)}::numeric`,
  }),
  /**
   * ModelChoiceFilter over a uuid key: the id must name an existing row (`exists` is the
   * repository's probe), else "Select a valid choice. That choice is not one of the available
   * choices.".
   */
  modelChoice: (column: SQL, exists: (db: Db, id: string) => Promise<boolean>): FilterDef<string> => ({
    schema: Type.String({ format: 'uuid' }),
    read: (r, key) => r.modelChoiceUuid(key),
    where: eq(column),
    check: async (db, id) => ((await exists(db, id)) ? undefined : Messages.invalidModelChoice),
  }),
  /**
   * ModelChoiceFilter whose id the view parses by its own rules (`parse`), and whose malformed
   * and unknown ids are both "Select a valid choice. That choice is not one of the available
   * choices.", reported with the database checks in the filters' order. Empty is no filter.
   */
  checkedModelChoice: <T>(o: {
    schema: TSchema;
    parse(raw: string): T | undefined;
    exists(db: Db, value: T): Promise<boolean>;
    where(value: T, filters: Record<string, unknown>): SQL;
  }): FilterDef<string> => ({
    schema: o.schema,
    read: (r, key) => {
      const raw = r.value(key);
      return raw === '' ? undefined : raw;
    },
    check: async (db, raw) => {
      const value = o.parse(raw);
      return value !== undefined && (await o.exists(db, value)) ? undefined : Messages.invalidModelChoice;
    },
    where: (raw, filters) => o.where(o.parse(raw) as T, filters),
  }),
  /**
   * ModelMultipleChoiceFilter with `to_field_name` over a text field: every value must name an
   * existing object (`existing` is the repository's probe). A NUL and an unknown value are
   * reported with the database checks, the first unknown value by name.
   */
  namedModelChoices: (
    existing: (db: Db, values: string[]) => Promise<Set<string>>,
    where: (values: string[]) => SQL,
    schema: TSchema = Type.Array(Type.String()),
  ): FilterDef<string[]> => ({
    schema,
    read: (r, key) => r.values(key),
    where,
    check: async (db, values) => {
      if (values.some((value) => value.includes('\0'))) return Messages.nullCharacters;
      const found = await existing(db, values);
      const missing = values.find((value) => !found.has(value));
      return missing === undefined ? undefined : Messages.invalidMultipleChoice(missing);
    },
  }),
  /** Any other filter: its own schema, reader and WHERE term. */
  custom: <T>(def: FilterDef<T>): FilterDef<T> => def,
};

/**
 * A ModelMultipleChoiceFilter over a model Tessera stores none of (policies): any well-formed
 * id is an unknown choice. The binding list names the first value as sent and reports it with
 * the database checks; the prompt stage list names the first id in its canonical form and
 * reports it with the syntax errors.
 */
export function noChoices(report: 'raw' | 'parsed'): FilterDef<string[]> {
  const schema = Type.Array(Type.String({ format: 'uuid' }));
  if (report === 'parsed') {
    return {
      schema,
      read: (r, key) => {
        const values = r.uuidList(key);
        if (values?.length) r.fail(key, Messages.invalidMultipleChoice(values[0]));
        return undefined;
      },
    };
  }
  return {
    schema,
    read: (r, key) => r.uuidList(key),
    check: async (_db, values, query, key) =>
      values.length > 0 ? Messages.invalidMultipleChoice(allValues(query, key)[0]) : undefined,
  };
}

export interface ListDeclaration<F extends Record<string, AnyFilter>, O extends string> {
  /** The page rows' columns and their FROM clause (see ListSql). */
  select: SQL;
  from: SQL;
  countedTable?: CountedTable;
  /** The primary key column, for the permission filter's visible keys. */
  pk: SQL;
  filters: F;
  /** The queryset's own conditions, on every page whatever the request. */
  where?: SQL[];
  /** DRF's `search_fields`: each term must match one of them (icontains). None: no `search`. */
  search?: SQL[];
  /**
   * The view lists SearchFilter after DjangoFilterBackend (`filter_backends`), so a NUL in
   * `search` is reported after the filters' 400 rather than before the permission filter.
   */
  searchAfterFilters?: boolean;
  /** DRF's `ordering_fields` and their columns; `defaultOrdering` is the view's `ordering`. */
  ordering: Record<O, SQL>;
  defaultOrdering: readonly (NoInfer<O> | `-${NoInfer<O>}`)[];
  /** The order the database checks run in, when it is not the filters' order. */
  checkOrder?: readonly (keyof F & string)[];
  /** The query parameters in the order the OpenAPI document lists them, when not alphabetical. */
  parameterOrder?: readonly string[];
  /**
   * Query parameters the serializer reads rather than a filter (`include_groups`), documented
   * beside the filters.
   */
  parameters?: Record<string, TSchema>;
  /**
   * The permission filter's term for the visible keys, when the primary key is not a uuid
   * (users' integer ids). Default: `pk = ANY(uuid[])`.
   */
  visibleWhere?(visiblePks: string[]): SQL;
  /**
   * authentik's `owner_field` column: a caller without the global view permission lists only
   * the rows they own (tokens).
   */
  owner?: SQL;
}

/** A list request after parsing; errors wait to be raised in DRF's backend order (`ListSpec.raise`). */
export interface ListRequest<F extends Record<string, AnyFilter>, O extends string = string> {
  raw: RawQuery;
  searchTerms: string[];
  filters: FilterValues<F>;
  /** django-filter's field errors, raised after the permission filter. */
  errors: FieldErrors | undefined;
  ordering: OrderTerm<O>[];
  page: PageRequest | undefined;
}

const PAGE_PARAMETERS = {
  ordering: Type.Optional(Type.String({ description: 'Which field to use when ordering the results.' })),
  page: Type.Optional(Type.Integer({ description: 'A page number within the paginated result set.' })),
  page_size: Type.Optional(Type.Integer({ description: 'Number of results to return per page.' })),
  search: Type.Optional(Type.String({ description: 'A search term.' })),
};

export class ListSpec<F extends Record<string, AnyFilter>, O extends string> {
  /** The OpenAPI query parameters, in drf-spectacular's (alphabetical) order. */
  readonly querystring: TObject;
  private readonly keys: (keyof F & string)[];
  /** The fields a list may be ordered by (DRF's `ordering_fields`). */
  readonly orderFields: O[];

  constructor(private readonly decl: ListDeclaration<F, O>) {
    this.keys = Object.keys(decl.filters);
    this.orderFields = Object.keys(decl.ordering) as O[];
    const parameters: Record<string, TSchema> = {
      ...Object.fromEntries(
        this.keys.map((key) => {
          const { schema, required } = decl.filters[key];
          return [key, required ? schema : Type.Optional(schema)];
        }),
      ),
      ...Object.fromEntries(
        Object.entries(decl.parameters ?? {}).map(([key, schema]) => [key, Type.Optional(schema)]),
      ),
      ordering: PAGE_PARAMETERS.ordering,
      page: PAGE_PARAMETERS.page,
      page_size: PAGE_PARAMETERS.page_size,
      ...(decl.search ? { search: PAGE_PARAMETERS.search } : {}),
    };
    this.querystring = Type.Object(
      Object.fromEntries(
        (decl.parameterOrder ?? Object.keys(parameters).sort()).map((key) => [key, parameters[key]]),
      ),
    );
  }

  /**
   * Parses a raw query. A NUL in `search` is a 400 at once (DRF's SearchFilter runs first); the
   * filters' errors and a bad page wait until the permission filter has run.
   */
  parse(raw: RawQuery, pageSizes: PageSizeSettings): ListRequest<F, O> {
    const searchTerms = this.decl.search && !this.decl.searchAfterFilters ? readSearch(raw) : [];
    const reader = new FilterReader(raw);
    const filters: FilterValues<F> = {};
    for (const key of this.keys) {
      const value = this.decl.filters[key].read(reader, key);
      if (value !== undefined) filters[key] = value as never;
    }
    let page: PageRequest | undefined;
    try {
      page = readPage(raw, pageSizes);
    } catch {
      page = undefined;
    }
    return {
      raw,
      searchTerms,
      filters,
      errors: reader.failures(),
      ordering: readOrdering(raw, this.orderFields, this.decl.defaultOrdering),
      page,
    };
  }

  /** django-filter's 400 (syntax first, then the database checks), in the filters' order. */
  async raise(db: Db, request: ListRequest<F, O>): Promise<void> {
    const errors: FieldErrors = { ...request.errors };
    for (const key of this.decl.checkOrder ?? this.keys) {
      const def = this.decl.filters[key];
      const value = request.filters[key];
      if (def.check && value !== undefined && !(key in errors)) {
        const message = await def.check(db, value as never, request.raw, key);
        if (message !== undefined) errors[key] = [message];
      }
    }
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
    for (const key of this.keys) {
      const value = request.filters[key];
      if (value !== undefined) this.decl.filters[key].validate?.(value as never);
    }
    if (this.decl.search && this.decl.searchAfterFilters) request.searchTerms = readSearch(request.raw);
  }

  /**
   * One row by its primary key (or by another unique `column`, such as a flow's slug), as the
   * page selects it, within the queryset's own conditions: a retrieve shows an object exactly as
   * the list does.
   */
  async find<Row>(db: Db, key: string | number, column: SQL = this.decl.pk): Promise<Row | undefined> {
    const where = [sql`${column} = ${key}`, ...(this.decl.where ?? [])];
    const rows = await query<Row>(
      db,
      sql`SELECT ${this.decl.select} FROM ${this.decl.from} WHERE ${sql.join(where, sql` AND `)}`,
    );
    return rows[0];
  }

  /**
   * The page and total statements' parts for a request, the caller's visible keys and, for a
   * list with an owner column, the owner the caller is limited to.
   */
  listSql(request: ListRequest<F, O>, visiblePks: string[] | undefined, ownerId?: number): ListSql {
    const where: SQL[] = [...(this.decl.where ?? [])];
    for (const key of this.keys) {
      const value = request.filters[key];
      const term = this.decl.filters[key].where;
      const condition = value !== undefined && term ? term(value as never, request.filters) : undefined;
      if (condition) where.push(condition);
    }
    const search = this.decl.search ?? [];
    for (const term of request.searchTerms) {
      const pattern = likeContains(term);
      where.push(
        search.length === 1
          ? icontains(search[0], pattern)
          : sql`(${sql.join(
              search.map((column) => icontains(column, pattern)),
              sql` OR `,
            )})`,
      );
    }
    if (visiblePks) {
      where.push(
        this.decl.visibleWhere
          ? this.decl.visibleWhere(visiblePks)
          : sql`${this.decl.pk} = ANY(${uuidArray(visiblePks)})`,
      );
    }
    if (ownerId !== undefined) {
      // A caller limited to their own rows must never see every row because the column was
      // left out of the declaration.
      if (!this.decl.owner) throw new Error('an owner-scoped list needs its owner column');
      where.push(sql`${this.decl.owner} = ${ownerId}`);
    }
    return {
      select: this.decl.select,
      from: this.decl.from,
      where,
      countedTable: this.decl.countedTable,
      orderBy: request.ordering.map((t) => orderTerm(this.decl.ordering[t.field], t.descending)),
    };
  }
}

/**
 * Fields stored in columns of the same name under one table alias (most ordering fields),
 * named in one space-separated string: `sameNamedColumns('f', 'name slug title')`.
 */
export function sameNamedColumns<const K extends string>(alias: string, fields: K): Record<Words<K>, SQL> {
  return Object.fromEntries(
    fields
      .split(/\s+/)
      .filter((field) => field !== '')
      .map((field) => [field, sql.raw(`${alias}."${field}"`)]),
  ) as Record<Words<K>, SQL>;
}

/** The words of a space-separated string literal type. */
type Words<S extends string> = S extends `${infer Head} ${infer Rest}` ? Head | Words<Rest> : S;

export function defineList<F extends Record<string, AnyFilter>, O extends string>(
  decl: ListDeclaration<F, O>,
): ListSpec<F, O> {
  return new ListSpec(decl);
}

/** The page request of a parsed list, or DRF's 404 "Invalid page.". */
export function requirePage(request: { page: PageRequest | undefined }): PageRequest {
  if (!request.page) throw ApiError.notFound(Messages.invalidPage);
  return request.page;
}

/** Any list declaration, for code that passes requests through without reading filters. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyListSpec = ListSpec<any, string>;
export type AnyListRequest = ReturnType<AnyListSpec['parse']>;
