/**
 * Behaviour every stage type shares: the unique name across all stage types, deletion and
 * `used_by`. Concrete stage services compose it.
 */
import type { Db } from '../db/client.js';
import type { Actor, RequestContext } from '../api/context.js';
import { ApiError, Messages } from '../api/errors.js';
import type { UsedByItem } from '../api/schemas.js';
import type { EventService } from '../events/event.service.js';
import type { PermissionService } from '../rbac/permission.service.js';
import { createStageRepository } from './stage.repository.js';
import { stageMeta } from './stage-types.js';

export class StageService {
  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly events: EventService,
  ) {}

  /** DRF's UniqueValidator on the base Stage model: the message names the model "stage". */
  async assertNameFree(db: Db, name: string, exceptPk?: string): Promise<void> {
    if (await createStageRepository(db).nameTaken(name, exceptPk)) {
      throw ApiError.field('name', Messages.uniqueName('stage'));
    }
  }

  /**
   * Deletes the stage; the DELETE's own result decides, so of concurrent deletes (on any
   * instance) exactly one answers 204 and writes the event, the others 404 as DRF's
   * get_object() would once the row is gone.
   */
  async destroy(ctx: RequestContext, pk: string, type: string, modelName: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const name = await createStageRepository(tx).delete(pk);
      if (name === undefined) throw ApiError.notFound(Messages.noMatch(modelName));
      const meta = stageMeta(type);
      await this.events.model(tx, ctx, 'model_deleted', {
        app: meta.app,
        model_name: meta.model_name,
        pk,
        name,
      });
    });
  }

  /**
   * authentik's used_by for a stage: the flows it is bound to (`flow_set`, cascade_many) then
   * the bindings (cascade), each only when the caller may view that model.
   * @see authentik/core/api/used_by.py
   */
  async usedBy(actor: Actor, pk: string): Promise<UsedByItem[]> {
    const rows = await createStageRepository(this.db).usages(pk);
    const canViewFlow = await this.permissions.hasGlobal(actor, 'authentik_flows.view_flow');
    const canViewBinding = await this.permissions.hasGlobal(actor, 'authentik_flows.view_flowstagebinding');
    const items: UsedByItem[] = [];
    for (const row of rows) {
      if (row.kind === 'flow') {
        if (!canViewFlow && !(await this.permissions.hasOnObject(actor, 'authentik_flows.view_flow', row.pk)))
          continue;
        items.push({
          app: 'authentik_flows',
          model_name: 'flow',
          pk: row.pk,
          name: `Flow ${row.flow_name} (${row.flow_slug})`,
          action: 'cascade_many',
        });
      } else {
        if (
          !canViewBinding &&
          !(await this.permissions.hasOnObject(actor, 'authentik_flows.view_flowstagebinding', row.pk))
        ) {
          continue;
        }
        items.push({
          app: 'authentik_flows',
          model_name: 'flowstagebinding',
          pk: row.pk,
          name: `Flow-stage binding #${row.binding_order} to ${row.flow_uuid}`,
          action: 'cascade',
        });
      }
    }
    return items;
  }
}
