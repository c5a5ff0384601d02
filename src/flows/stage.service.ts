/**
 * Behaviour every stage type shares: the unique name across all stage types and `used_by`
 * (deletion is the generic viewset's, src/flows/stage-subtype.service.ts).
 */
import type { Db } from '../db/client.js';
import type { Actor } from '../api/context.js';
import { ApiError, Messages } from '../api/errors.js';
import type { UsedByItem } from '../api/schemas.js';
import type { PermissionService } from '../rbac/permission.service.js';
import { createStageRepository } from './stage.repository.js';

export class StageService {
  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
  ) {}

  /** DRF's UniqueValidator on the base Stage model: the message names the model "stage". */
  async assertNameFree(db: Db, name: string, exceptPk?: string): Promise<void> {
    if (await createStageRepository(db).nameTaken(name, exceptPk)) {
      throw ApiError.field('name', Messages.uniqueName('stage'));
    }
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
