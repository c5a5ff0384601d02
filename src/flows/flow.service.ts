/** Flows (authentik/flows/api/flows.py FlowViewSet, looked up by slug). */
import type { Db } from '../db/client.js';
import type { Actor } from '../api/context.js';
import { ApiError, Messages } from '../api/errors.js';
import type { UsedByItem } from '../api/schemas.js';
import { ModelViewSet, type ViewSetDeps } from '../api/viewset.js';
import { createFlowRepository, flowList } from './flow.repository.js';
import type { FlowBody, FlowInput } from './flow.schema.js';

/** str(flow) in authentik. */
export function flowDisplayName(flow: { name: string; slug: string }): string {
  return `Flow ${flow.name} (${flow.slug})`;
}

/** DRF's UniqueValidator message names the model by its verbose_name, "Flow". */
async function assertSlugFree(tx: Db, slug: string | undefined, exceptPk?: string): Promise<void> {
  if (slug !== undefined && (await createFlowRepository(tx).slugTaken(slug, exceptPk))) {
    throw ApiError.field('slug', Messages.uniqueName('Flow', 'slug'));
  }
}

export class FlowService extends ModelViewSet<FlowBody, FlowBody, FlowInput> {
  static readonly permissions = {
    view: 'authentik_flows.view_flow',
    add: 'authentik_flows.add_flow',
    change: 'authentik_flows.change_flow',
    delete: 'authentik_flows.delete_flow',
  } as const;

  constructor(deps: ViewSetDeps) {
    super(deps, {
      model: 'authentik_flows.flow',
      objectName: 'Flow',
      list: flowList,
      findByKey: (tx, slug) => createFlowRepository(tx).findBySlug(slug),
      async insert(tx, input) {
        await assertSlugFree(tx, input.slug);
        return createFlowRepository(tx).insert(input);
      },
      async update(tx, current, input) {
        await assertSlugFree(tx, input.slug, current.pk);
        await createFlowRepository(tx).update(current.pk, input);
      },
      delete: (tx, current) => createFlowRepository(tx).delete(current.pk),
      usedBy: (actor, flow) => this.usages(actor, flow),
    });
  }

  /**
   * used_by, in authentik's order of related managers (by attribute name): bindings
   * (`flowstagebinding_set`, cascade), invitations limited to the flow (`invitation_set`,
   * set_null), then the bound stages (`stages`, cascade_many).
   */
  private async usages(actor: Actor, flow: FlowBody): Promise<UsedByItem[]> {
    const rows = await createFlowRepository(this.deps.db).usages(flow.pk);
    const kinds = {
      binding: { app: 'authentik_flows', model_name: 'flowstagebinding', action: 'cascade' },
      invitation: { app: 'authentik_stages_invitation', model_name: 'invitation', action: 'set_null' },
      stage: { app: 'authentik_flows', model_name: 'stage', action: 'cascade_many' },
    } as const;
    const items: UsedByItem[] = [];
    for (const row of rows) {
      const kind = kinds[row.kind];
      const permission = `${kind.app}.view_${kind.model_name}`;
      if (!(await this.deps.permissions.hasOnObject(actor, permission, row.pk))) continue;
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
}
