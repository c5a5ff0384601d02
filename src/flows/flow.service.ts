/** Flows (authentik/flows/api/flows.py FlowViewSet, looked up by slug). */
import { listScope, pageOf } from '../api/list.js';
import type { Db } from '../db/client.js';
import { requireActor, type Actor, type RequestContext } from '../api/context.js';
import { ApiError, Messages } from '../api/errors.js';
import type { RawQuery } from '../api/filters.js';
import { isVisible } from '../api/lookup.js';
import { readOrdering } from '../api/ordering.js';
import type { Page, PageSizeSettings } from '../api/pagination.js';
import type { UsedByItem } from '../api/schemas.js';
import type { EventService } from '../events/event.service.js';
import type { PermissionService } from '../rbac/permission.service.js';
import { createFlowRepository, FLOW_ORDER_FIELDS, type FlowFilter } from './flow.repository.js';
import { DENIED_ACTIONS, FLOW_DESIGNATIONS, type FlowBody, type FlowInput } from './flow.schema.js';

const PERMISSION = {
  view: 'authentik_flows.view_flow',
  add: 'authentik_flows.add_flow',
  change: 'authentik_flows.change_flow',
  delete: 'authentik_flows.delete_flow',
} as const;

/** str(flow) in authentik. */
export function flowDisplayName(flow: { name: string; slug: string }): string {
  return `Flow ${flow.name} (${flow.slug})`;
}

export class FlowService {
  static readonly permissions = PERMISSION;

  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly events: EventService,
    private readonly pageDefaults: PageSizeSettings,
  ) {}

  async list(ctx: RequestContext, query: RawQuery): Promise<Page<FlowBody>> {
    const { searchTerms, visiblePks, filters } = await listScope(
      this.permissions,
      ctx,
      query,
      PERMISSION.view,
    );
    const filter: FlowFilter = {
      deniedAction: filters.choice('denied_action', DENIED_ACTIONS),
      designation: filters.choice('designation', FLOW_DESIGNATIONS),
      flowUuid: filters.uuid('flow_uuid'),
      name: filters.text('name'),
      slug: filters.text('slug'),
      searchTerms,
      visiblePks,
      ordering: readOrdering(query, FLOW_ORDER_FIELDS, ['slug']),
    };
    filters.finish();
    const repository = createFlowRepository(this.db);
    return pageOf(repository, filter, query, this.pageDefaults);
  }

  /** Lookup by slug through the permission-filtered queryset. */
  async find(actor: Actor, slug: string): Promise<FlowBody> {
    const visibility = await this.permissions.visibility(actor, PERMISSION.view);
    const flow = await createFlowRepository(this.db).findBySlug(slug);
    if (!flow || !isVisible(visibility, flow.pk)) throw ApiError.notFound(Messages.noMatch('Flow'));
    return flow;
  }

  retrieve(ctx: RequestContext, slug: string): Promise<FlowBody> {
    return this.find(requireActor(ctx), slug);
  }

  async create(ctx: RequestContext, input: FlowInput): Promise<FlowBody> {
    return this.db.transaction(async (tx) => {
      const repository = createFlowRepository(tx);
      // DRF's UniqueValidator message names the model by its verbose_name, "Flow".
      if (await repository.slugTaken(input.slug))
        throw ApiError.field('slug', Messages.uniqueName('Flow', 'slug'));
      const pk = await repository.insert(input);
      const flow = (await repository.findByPk(pk)) as FlowBody;
      await this.events.model(tx, ctx, 'model_created', this.modelRef(flow));
      return flow;
    });
  }

  async update(ctx: RequestContext, slug: string, input: Partial<FlowInput>): Promise<FlowBody> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, slug);
    await this.permissions.requireOnObject(actor, PERMISSION.change, current.pk);
    return this.db.transaction(async (tx) => {
      const repository = createFlowRepository(tx);
      if (input.slug !== undefined && (await repository.slugTaken(input.slug, current.pk))) {
        throw ApiError.field('slug', Messages.uniqueName('Flow', 'slug'));
      }
      await repository.update(current.pk, input);
      const flow = (await repository.findByPk(current.pk)) as FlowBody;
      await this.events.model(tx, ctx, 'model_updated', this.modelRef(flow));
      return flow;
    });
  }

  async destroy(ctx: RequestContext, slug: string): Promise<void> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, slug);
    await this.permissions.requireOnObject(actor, PERMISSION.delete, current.pk);
    await this.db.transaction(async (tx) => {
      // The DELETE's own result decides: a concurrent delete that removed the row first wins,
      // and this one answers 404 with its event rolled back.
      if (!(await createFlowRepository(tx).delete(current.pk)))
        throw ApiError.notFound(Messages.noMatch('Flow'));
      await this.events.model(tx, ctx, 'model_deleted', this.modelRef(current));
    });
  }

  /**
   * used_by, in authentik's order of related managers (by attribute name): bindings
   * (`flowstagebinding_set`, cascade), invitations limited to the flow (`invitation_set`,
   * set_null), then the bound stages (`stages`, cascade_many).
   */
  async usedBy(ctx: RequestContext, slug: string): Promise<UsedByItem[]> {
    const actor = requireActor(ctx);
    const flow = await this.find(actor, slug);
    const rows = await createFlowRepository(this.db).usages(flow.pk);
    const kinds = {
      binding: { app: 'authentik_flows', model_name: 'flowstagebinding', action: 'cascade' },
      invitation: { app: 'authentik_stages_invitation', model_name: 'invitation', action: 'set_null' },
      stage: { app: 'authentik_flows', model_name: 'stage', action: 'cascade_many' },
    } as const;
    const items: UsedByItem[] = [];
    for (const row of rows) {
      const kind = kinds[row.kind];
      const permission = `${kind.app}.view_${kind.model_name}`;
      if (!(await this.permissions.hasOnObject(actor, permission, row.pk))) continue;
      const name =
        row.kind === 'binding'
          ? `Flow-stage binding #${row.order} to ${row.label}`
          : row.kind === 'invitation'
            ? `Invitation ${row.pk.replace(/-/g, '')} created by ${row.label}`
            : `Stage ${row.label}`;
      items.push({ app: kind.app, model_name: kind.model_name, pk: row.pk, name, action: kind.action });
    }
    return items;
  }

  private modelRef(flow: { pk: string; name: string; slug: string }) {
    // authentik's model_to_dict names an object by its `name` field when it has one.
    return { app: 'authentik_flows', model_name: 'flow', pk: flow.pk, name: flow.name };
  }
}
