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
import { parseLookupUuid } from './lookup.js';
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
    model: { app: string; model_name: string; pk: string | number; name: string },
  ): Promise<void>;
}

/** Who is writing, for a definition's validation (privilege checks need the permissions). */
export interface Caller {
  ctx: RequestContext;
  actor: Actor;
  permissions: ViewSetPermissions;
}

export interface ResourceDefinition<Row extends { pk: string | number }, Body, Input> {
  /**
   * The model as authentik names it, `<app_label>.<model_name>` (`authentik_flows.flow`), for
   * its permissions and audit events.
   */
  model: `${string}.${string}`;
  /** Django's object name in "No <Model> matches the given query.". */
  objectName: string;
  list: AnyListSpec;
  /** The row by primary key; without it, the list declaration's page row (`ListSpec.find`). */
  findByPk?(db: Db, pk: Row['pk'] | string): Promise<Row | undefined>;
  /**
   * The URL's id as the model field's lookup reads it (users: an integer), or undefined for
   * DRF's bare "Not found.". Default: a UUID.
   */
  parseKey?(raw: string): string | undefined;
  /**
   * A lookup field other than the primary key (flows are looked up by slug): the row is read
   * first and its visibility judged afterwards. Without it the URL's id is parsed as a UUID
   * and judged before the read.
   */
  findByKey?(db: Db, key: string): Promise<Row | undefined>;
  /** The serializer, when the row is not already the body; the request is there for its `include_*` switches. */
  present?(row: Row, ctx: RequestContext): Body;
  /**
   * The object's name in audit events when it is not the row's `name` (authentik's
   * model_to_dict names an object by its `name` field when it has one, else str(obj)).
   */
  auditName?(row: Row): string;
  /** Validates and inserts in the viewset's transaction; returns the new primary key. */
  insert?(tx: Db, input: Input, caller: Caller): Promise<Row['pk']>;
  /**
   * Whether a create also wrote many-to-many relations, which authentik's audit middleware logs
   * as a `model_updated` after the `model_created`.
   */
  createWritesRelations?(input: Input): boolean;
  /**
   * Validates and writes the fields the request sent, in the viewset's transaction; `partial`
   * is a PATCH (or a blueprint entry), where a field left out keeps its value even when PUT
   * would reset it.
   */
  update?(tx: Db, current: Row, input: Partial<Input>, caller: Caller, partial: boolean): Promise<void>;
  /** Deletes the row; false when a concurrent delete removed it first (then 404). */
  delete?(tx: Db, current: Row): Promise<boolean>;
  /** The objects that reference this one, filtered by what the caller may see. */
  usedBy?(actor: Actor, current: Row): Promise<UsedByItem[]>;
  /**
   * Load the caller's grants before a write whose validation checks privileges inside it
   * (`create`: before a create only).
   */
  preloadGrants?: boolean | 'create';
  /**
   * authentik's `owner_field` (tokens): the owner of a row, who may see, change and delete it
   * without object permissions. The list declares the column (`owner`); a caller without the
   * global view permission sees only their own rows, and no caller gets the permission
   * filter's 403.
   */
  owner?(row: Row): number;
  /**
   * A check after the object permission and before a change or delete (users: the caller must
   * hold everything the target user holds).
   */
  authorizeWrite?(actor: Actor, current: Row): Promise<void>;
}

/** Which rows the caller may see: the visible keys and the owner they are limited to. */
interface Scope {
  /** undefined: every key. */
  pks: string[] | undefined;
  /** undefined: every owner. */
  ownerId: number | undefined;
}

export interface ViewSetDeps {
  db: Db;
  permissions: ViewSetPermissions;
  events: ModelEvents;
  pageSizes: PageSizeSettings;
}

export interface ModelPermissions {
  view: string;
  add: string;
  change: string;
  delete: string;
}

/** Django's four permissions on a model named `<app_label>.<model_name>`, as `<app_label>.<codename>`. */
export function modelPermissions(model: `${string}.${string}`): ModelPermissions {
  const [app, name] = model.split('.');
  const perm = (action: string) => `${app}.${action}_${name}`;
  return { view: perm('view'), add: perm('add'), change: perm('change'), delete: perm('delete') };
}

export class ModelViewSet<Row extends { pk: string | number }, Body, Input> {
  readonly permission: ModelPermissions;
  /** The app label and model name audit events carry. */
  private readonly auditModel: { app: string; model_name: string };

  constructor(
    protected readonly deps: ViewSetDeps,
    readonly resource: ResourceDefinition<Row, Body, Input>,
  ) {
    this.permission = modelPermissions(resource.model);
    const [app, modelName] = resource.model.split('.');
    this.auditModel = { app, model_name: modelName };
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
    const scope = await this.scope(requireActor(ctx));
    return listPage(
      this.deps.db,
      this.resource.list,
      request,
      scope.pks,
      (row: Row) => this.present(row, ctx),
      scope.ownerId,
    );
  }

  /**
   * The permission filter: ObjectFilter's visible keys (403 when nothing is visible), or for a
   * model with an owner, every row with the global view permission and the caller's own without.
   */
  private async scope(actor: Actor): Promise<Scope> {
    const { permissions } = this.deps;
    if (this.resource.owner) {
      const all = await permissions.hasGlobal(actor, this.permission.view);
      return { pks: undefined, ownerId: all ? undefined : actor.user.id };
    }
    const visibility = await permissions.visibility(actor, this.permission.view);
    return { pks: visibility.all ? undefined : visibility.pks, ownerId: undefined };
  }

  private inScope(scope: Scope, row: Row): boolean {
    return this.keyVisible(scope, String(row.pk)) && this.owned(scope, row);
  }

  /** The keys half of the scope, judged before the row is read when the key is the primary key. */
  private keyVisible(scope: Scope, pk: string): boolean {
    return scope.pks === undefined || scope.pks.includes(pk);
  }

  /** The owner half of the scope, for a row whose key was already judged visible. */
  private owned(scope: Scope, row: Row): boolean {
    return scope.ownerId === undefined || this.resource.owner?.(row) === scope.ownerId;
  }

  /** DRF's get_object(): the permission-filtered queryset, then the lookup (404s). */
  async find(actor: Actor, rawKey: string): Promise<Row> {
    const { db } = this.deps;
    const scope = await this.scope(actor);
    const missing = () => ApiError.notFound(Messages.noMatch(this.resource.objectName));
    if (this.resource.findByKey) {
      const row = await this.resource.findByKey(db, rawKey);
      if (!row || !this.inScope(scope, row)) throw missing();
      return row;
    }
    const pk = (this.resource.parseKey ?? parseLookupUuid)(rawKey);
    if (pk === undefined) throw ApiError.notFound();
    if (!this.keyVisible(scope, pk)) throw missing();
    const row = await this.row(db, pk);
    if (!row || !this.owned(scope, row)) throw missing();
    return row;
  }

  async retrieve(ctx: RequestContext, rawKey: string): Promise<Body> {
    return this.present(await this.find(requireActor(ctx), rawKey), ctx);
  }

  async create(ctx: RequestContext, input: Input): Promise<Body> {
    const insert = this.resource.insert;
    if (!insert) throw ApiError.detail(405, Messages.methodNotAllowed('POST'));
    const caller = await this.caller(ctx, 'create');
    const row = await this.deps.db.transaction(async (tx) => {
      const pk = await insert(tx, input, caller);
      const created = (await this.row(tx, pk)) as Row;
      await this.audit(tx, ctx, 'model_created', created);
      if (this.resource.createWritesRelations?.(input)) await this.audit(tx, ctx, 'model_updated', created);
      return created;
    });
    return this.present(row, ctx);
  }

  /** PUT and PATCH: PATCH sends only what changes; PUT's required fields are enforced by its schema. */
  async update(
    ctx: RequestContext,
    rawKey: string,
    input: Partial<Input>,
    partial = ctx.method === 'PATCH',
  ): Promise<Body> {
    const update = this.resource.update;
    if (!update) throw ApiError.detail(405, Messages.methodNotAllowed(ctx.method));
    const current = await this.findForWrite(ctx, rawKey, this.permission.change);
    const caller = await this.caller(ctx, 'update');
    const row = await this.deps.db.transaction(async (tx) => {
      await update(tx, current, input, caller, partial);
      const updated = (await this.row(tx, current.pk)) as Row;
      await this.audit(tx, ctx, 'model_updated', updated);
      return updated;
    });
    return this.present(row, ctx);
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

  private present(row: Row, ctx: RequestContext): Body {
    return this.resource.present ? this.resource.present(row, ctx) : (row as unknown as Body);
  }

  private auditName(row: Row): string {
    if (this.resource.auditName) return this.resource.auditName(row);
    const name = (row as { name?: unknown }).name;
    return typeof name === 'string' ? name : '';
  }

  private row(db: Db, pk: Row['pk'] | string): Promise<Row | undefined> {
    const { findByPk, list } = this.resource;
    return findByPk ? findByPk(db, pk) : list.find<Row>(db, pk);
  }

  /** has_object_permission: the owner, or the permission globally or on the object. */
  private async findForWrite(ctx: RequestContext, rawKey: string, permission: string): Promise<Row> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawKey);
    if (this.resource.owner?.(current) !== actor.user.id) {
      await this.deps.permissions.requireOnObject(actor, permission, String(current.pk));
    }
    await this.resource.authorizeWrite?.(actor, current);
    return current;
  }

  private async caller(ctx: RequestContext, write: 'create' | 'update'): Promise<Caller> {
    const actor = requireActor(ctx);
    const { preloadGrants } = this.resource;
    if (preloadGrants === true || preloadGrants === write) await this.deps.permissions.preload(actor);
    return { ctx, actor, permissions: this.deps.permissions };
  }

  private audit(
    tx: Db,
    ctx: RequestContext,
    action: 'model_created' | 'model_updated' | 'model_deleted',
    row: Row,
  ): Promise<void> {
    return this.deps.events.model(tx, ctx, action, {
      ...this.auditModel,
      pk: row.pk,
      name: this.auditName(row),
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
  ownerId?: number,
): Promise<Page<Body>> {
  await spec.raise(db, request);
  const page = requirePage(request);
  const list = spec.listSql(request, visiblePks, ownerId);
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
  /** The OpenAPI security requirements of every route, when not the default (see RouteSpec). */
  security?: Record<string, string[]>[];
  /** Query parameters the serializer reads on retrieve (`include_*`). */
  retrieveQuery?: TSchema;
  /** authentik's `rbac_allow_create_without_perm`: any signed-in caller may create (tokens). */
  anyoneMayCreate?: boolean;
  /** The viewset's extra actions on one object, listed before used_by as authentik's schema lists them. */
  detailActions?: RouteSpec[];
}

/** The list, create, retrieve, update, partial update, destroy and used_by routes of a viewset. */
export function viewSetRoutes<Row extends { pk: string | number }, Body, Input>(
  viewset: ModelViewSet<Row, Body, Input>,
  o: ViewSetRoutes,
): RouteSpec[] {
  const detail = `${o.base}:${o.lookup}/`;
  const common = { description: o.description, tags: o.tags, security: o.security };
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
        requires: o.anyoneMayCreate ? undefined : viewset.permission.add,
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
      querystring: o.retrieveQuery,
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
            viewset.update(ctx, key(params), input as Partial<Input>, method === 'PATCH'),
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
      ...(o.detailActions ?? []),
      defineRoute({
        method: 'GET',
        url: `${detail}used_by/`,
        operationId: `${o.operationPrefix}_used_by_list`,
        description: 'Get a list of all objects that use this object',
        tags: o.tags,
        security: o.security,
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
