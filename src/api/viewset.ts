/**
 * The one model viewset: DRF's ModelViewSet with authentik's UsedByMixin (list, retrieve,
 * create, update, partial update, destroy, used_by), parametrised by a resource definition that
 * names the model, its list declaration, its SQL and its serializer. The viewset owns the
 * order DRF runs things in, the permission checks, the transaction and the audit event; the
 * definition owns what is particular to the model (its validation, its writes).
 * @see rest_framework/mixins.py, rest_framework/generics.py, authentik/core/api/used_by.py
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { Db } from '../db/client.js';
import { countRows, fetchPage } from '../db/list-query.js';
import type { VisibilityPermissions } from './permissions.js';
import { requireActor, type Actor, type RequestContext } from './context.js';
import { ApiError, Messages } from './errors.js';
import type { RawQuery } from './filters.js';
import type { AnyListRequest, AnyListSpec } from './list-spec.js';
import { requirePage } from './list-spec.js';
import { isVisible, parseLookupUuid } from './lookup.js';
import { paginate, type Page, type PageSizeSettings } from './pagination.js';
import { defineRoute, type RouteSpec, type ViewMetadata } from './routes.js';
import { UsedBy, ref, type UsedByItem } from './schemas.js';

/** What the viewset asks of rbac's PermissionService (the API layer sits below rbac). */
export interface ViewSetPermissions extends VisibilityPermissions {
  hasGlobal(actor: Actor, permission: string): Promise<boolean>;
  hasOnObject(actor: Actor, permission: string, objectPk: string): Promise<boolean>;
  requireOnObject(actor: Actor, permission: string, objectPk: string): Promise<void>;
  preload(actor: Actor): Promise<void>;
}

/** What the viewset asks of the audit log: a model_* event in the caller's transaction. */
export interface ModelEvents {
  model(
    db: Db,
    ctx: RequestContext,
    action: 'model_created' | 'model_updated' | 'model_deleted',
    model: { app: string; model_name: string; pk: string; name: string },
  ): Promise<void>;
}

/** Who is writing, for a definition's validation (privilege checks need the permissions). */
export interface Caller {
  ctx: RequestContext;
  actor: Actor;
  permissions: ViewSetPermissions;
}

export interface ResourceDefinition<Row extends { pk: string }, Body, Input> {
  /** The Django app label and model name, for permissions and audit events. */
  app: string;
  model: string;
  /** Django's object name in "No <Model> matches the given query.". */
  objectName: string;
  list: AnyListSpec;
  /** The row by primary key; without it, the list declaration's page row (`ListSpec.find`). */
  findByPk?(db: Db, pk: string): Promise<Row | undefined>;
  /**
   * A lookup field other than the primary key (flows are looked up by slug): the row is read
   * first and its visibility judged afterwards. Without it the URL's id is parsed as a UUID
   * and judged before the read.
   */
  findByKey?(db: Db, key: string): Promise<Row | undefined>;
  present(row: Row): Body;
  /** The object's name in audit events (model_to_dict's `name`, or str(obj)); a read-only viewset writes none. */
  auditName?(row: Row): string;
  /** Validates and inserts in the viewset's transaction; returns the new primary key. */
  insert?(tx: Db, input: Input, caller: Caller): Promise<string>;
  /** Validates and writes the fields the request sent, in the viewset's transaction. */
  update?(tx: Db, current: Row, input: Partial<Input>, caller: Caller): Promise<void>;
  /** Deletes the row; false when a concurrent delete removed it first (then 404). */
  delete?(tx: Db, current: Row): Promise<boolean>;
  /** The objects that reference this one, filtered by what the caller may see. */
  usedBy?(actor: Actor, current: Row): Promise<UsedByItem[]>;
  /** Load the caller's grants before a write whose validation checks privileges inside it. */
  preloadGrants?: boolean;
}

export interface ViewSetDeps {
  db: Db;
  permissions: ViewSetPermissions;
  events: ModelEvents;
  pageSizes: PageSizeSettings;
}

export class ModelViewSet<Row extends { pk: string }, Body, Input> {
  readonly permission: { view: string; add: string; change: string; delete: string };

  constructor(
    protected readonly deps: ViewSetDeps,
    readonly resource: ResourceDefinition<Row, Body, Input>,
  ) {
    const perm = (action: string) => `${resource.app}.${action}_${resource.model}`;
    this.permission = {
      view: perm('view'),
      add: perm('add'),
      change: perm('change'),
      delete: perm('delete'),
    };
  }

  /** Parses a list query (the route runs this before the handler). */
  parseList(raw: RawQuery): AnyListRequest {
    return this.resource.list.parse(raw, this.deps.pageSizes);
  }

  /**
   * DRF's filter backends in authentik's order: search (already parsed: a NUL was a 400), the
   * permission filter (403 when nothing is visible), django-filter (400 per field), ordering;
   * then pagination (404 for a bad page).
   */
  async list(ctx: RequestContext, request: AnyListRequest): Promise<Page<Body>> {
    const { db, permissions } = this.deps;
    const visibility = await permissions.visibility(requireActor(ctx), this.permission.view);
    return listPage(
      db,
      this.resource.list,
      request,
      visibility.all ? undefined : visibility.pks,
      (row: Row) => this.resource.present(row),
    );
  }

  /** DRF's get_object(): the permission-filtered queryset, then the lookup (404s). */
  async find(actor: Actor, rawKey: string): Promise<Row> {
    const { db, permissions } = this.deps;
    const visibility = await permissions.visibility(actor, this.permission.view);
    const missing = () => ApiError.notFound(Messages.noMatch(this.resource.objectName));
    if (this.resource.findByKey) {
      const row = await this.resource.findByKey(db, rawKey);
      if (!row || !isVisible(visibility, row.pk)) throw missing();
      return row;
    }
    const pk = parseLookupUuid(rawKey);
    if (pk === undefined) throw ApiError.notFound();
    if (!isVisible(visibility, pk)) throw missing();
    const row = await this.row(db, pk);
    if (!row) throw missing();
    return row;
  }

  async retrieve(ctx: RequestContext, rawKey: string): Promise<Body> {
    return this.resource.present(await this.find(requireActor(ctx), rawKey));
  }

  async create(ctx: RequestContext, input: Input): Promise<Body> {
    const insert = this.resource.insert;
    if (!insert) throw ApiError.detail(405, Messages.methodNotAllowed('POST'));
    const caller = await this.caller(ctx);
    const row = await this.deps.db.transaction(async (tx) => {
      const pk = await insert(tx, input, caller);
      const created = (await this.row(tx, pk)) as Row;
      await this.audit(tx, ctx, 'model_created', created);
      return created;
    });
    return this.resource.present(row);
  }

  /** PUT and PATCH: PATCH sends only what changes; PUT's required fields are enforced by its schema. */
  async update(ctx: RequestContext, rawKey: string, input: Partial<Input>): Promise<Body> {
    const update = this.resource.update;
    if (!update) throw ApiError.detail(405, Messages.methodNotAllowed(ctx.method));
    const current = await this.findForWrite(ctx, rawKey, this.permission.change);
    const caller = await this.caller(ctx);
    const row = await this.deps.db.transaction(async (tx) => {
      await update(tx, current, input, caller);
      const updated = (await this.row(tx, current.pk)) as Row;
      await this.audit(tx, ctx, 'model_updated', updated);
      return updated;
    });
    return this.resource.present(row);
  }

  /**
   * The DELETE's own result decides: of concurrent deletes exactly one answers 204 and writes
   * the event, the others 404 with their event rolled back.
   */
  async destroy(ctx: RequestContext, rawKey: string): Promise<void> {
    const remove = this.resource.delete;
    if (!remove) throw ApiError.detail(405, Messages.methodNotAllowed('DELETE'));
    const current = await this.findForWrite(ctx, rawKey, this.permission.delete);
    await this.deps.db.transaction(async (tx) => {
      if (!(await remove(tx, current))) throw ApiError.notFound(Messages.noMatch(this.resource.objectName));
      await this.audit(tx, ctx, 'model_deleted', current);
    });
  }

  async usedBy(ctx: RequestContext, rawKey: string): Promise<UsedByItem[]> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawKey);
    return this.resource.usedBy ? this.resource.usedBy(actor, current) : [];
  }

  private row(db: Db, pk: string): Promise<Row | undefined> {
    const { findByPk, list } = this.resource;
    return findByPk ? findByPk(db, pk) : list.find<Row>(db, pk);
  }

  private async findForWrite(ctx: RequestContext, rawKey: string, permission: string): Promise<Row> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawKey);
    await this.deps.permissions.requireOnObject(actor, permission, current.pk);
    return current;
  }

  private async caller(ctx: RequestContext): Promise<Caller> {
    const actor = requireActor(ctx);
    if (this.resource.preloadGrants) await this.deps.permissions.preload(actor);
    return { ctx, actor, permissions: this.deps.permissions };
  }

  private audit(
    tx: Db,
    ctx: RequestContext,
    action: 'model_created' | 'model_updated' | 'model_deleted',
    row: Row,
  ): Promise<void> {
    const { app, model } = this.resource;
    return this.deps.events.model(tx, ctx, action, {
      app,
      model_name: model,
      pk: row.pk,
      name: this.resource.auditName?.(row) ?? '',
    });
  }
}

/**
 * A parsed list's page once the permission filter has run: django-filter's 400, then the
 * page's 404, then the page and its total in one round trip.
 */
export async function listPage<Row, Body>(
  db: Db,
  spec: AnyListSpec,
  request: AnyListRequest,
  visiblePks: string[] | undefined,
  present: (row: Row) => Body,
): Promise<Page<Body>> {
  await spec.raise(db, request);
  const page = requirePage(request);
  const list = spec.listSql(request, visiblePks);
  const result = await paginate(
    page,
    (limit, offset) => fetchPage<Row>(db, list, limit, offset),
    () => countRows(db, list),
  );
  return { ...result, results: result.results.map(present) };
}

/** A list route's query: its declared parameters, parsed before the handler runs. */
export function listQuery(spec: AnyListSpec, pageSizes: PageSizeSettings) {
  return { schema: spec.querystring, parse: (raw: RawQuery) => spec.parse(raw, pageSizes) };
}

/** A viewset's URLs and wire shapes: everything its seven routes are made of. */
export interface ViewSetRoutes {
  /** Path below /api/v3 with the trailing slash, e.g. `/flows/instances/`. */
  base: string;
  /** The URL's lookup parameter and its documentation schema. */
  lookup: string;
  params: TSchema;
  /** authentik's operationId prefix, e.g. `flows_instances`. */
  operationPrefix: string;
  /** The viewset's docstring, e.g. "Flow Viewset". */
  description: string;
  tags: string[];
  /** DRF's view name stem for OPTIONS, e.g. "Flow" for "Flow List" / "Flow Instance". */
  verboseName: string;
  item: TSchema;
  paginated: TSchema;
  /** The request bodies; a read-only viewset has none. */
  request?: TSchema;
  patched?: TSchema;
}

/** The list, create, retrieve, update, partial update, destroy and used_by routes of a viewset. */
export function viewSetRoutes<Row extends { pk: string }, Body, Input>(
  viewset: ModelViewSet<Row, Body, Input>,
  o: ViewSetRoutes,
): RouteSpec[] {
  const detail = `${o.base}:${o.lookup}/`;
  const common = { description: o.description, tags: o.tags };
  const key = (params: Record<string, string>) => params[o.lookup];
  const routes: RouteSpec[] = [
    defineRoute({
      ...common,
      method: 'GET',
      url: o.base,
      operationId: `${o.operationPrefix}_list`,
      query: {
        schema: viewset.resource.list.querystring,
        parse: (raw: RawQuery) => viewset.parseList(raw),
      },
      success: { status: 200, schema: ref(o.paginated) },
      handler: ({ ctx, parsedQuery }) => viewset.list(ctx, parsedQuery as AnyListRequest),
    }),
  ];
  if (o.request) {
    routes.push(
      defineRoute({
        ...common,
        method: 'POST',
        url: o.base,
        operationId: `${o.operationPrefix}_create`,
        requires: viewset.permission.add,
        body: ref(o.request),
        success: { status: 201, schema: ref(o.item) },
        handler: ({ ctx, body }) => viewset.create(ctx, body as Input),
      }),
    );
  }
  routes.push(
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: `${o.operationPrefix}_retrieve`,
      params: o.params,
      success: { status: 200, schema: ref(o.item) },
      handler: ({ ctx, params }) => viewset.retrieve(ctx, key(params)),
    }),
  );
  if (o.request && o.patched) {
    routes.push(
      ...(
        [
          ['PUT', 'update', o.request],
          ['PATCH', 'partial_update', o.patched],
        ] as const
      ).map(([method, action, body]) =>
        defineRoute({
          ...common,
          method,
          url: detail,
          operationId: `${o.operationPrefix}_${action}`,
          params: o.params,
          body: ref(body),
          success: { status: 200, schema: ref(o.item) },
          // PUT's required fields are enforced by its schema; PATCH sends only what changes.
          handler: ({ ctx, params, body: input }) =>
            viewset.update(ctx, key(params), input as Partial<Input>),
        }),
      ),
      defineRoute({
        ...common,
        method: 'DELETE',
        url: detail,
        operationId: `${o.operationPrefix}_destroy`,
        params: o.params,
        success: { status: 204, schema: null },
        handler: ({ ctx, params }) => viewset.destroy(ctx, key(params)),
      }),
      defineRoute({
        method: 'GET',
        url: `${detail}used_by/`,
        operationId: `${o.operationPrefix}_used_by_list`,
        description: 'Get a list of all objects that use this object',
        tags: o.tags,
        params: o.params,
        success: { status: 200, schema: Type.Array(ref(UsedBy)) },
        handler: ({ ctx, params }) => viewset.usedBy(ctx, key(params)),
      }),
    );
  }
  return routes;
}

/** DRF's view names for OPTIONS: "<Model> List" and "<Model> Instance". */
export function viewSetViews(o: ViewSetRoutes): Record<string, ViewMetadata> {
  return {
    [o.base]: { name: `${o.verboseName} List`, description: o.description },
    [`${o.base}:${o.lookup}/`]: { name: `${o.verboseName} Instance`, description: o.description },
  };
}
