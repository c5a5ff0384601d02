/**
 * Tessera's invitation extensions: the consumption setting of an invitation stage and the usage
 * records of an invitation. Permissions are authentik's for the parent object: view to read,
 * change to write the stage setting.
 */
import type { Db } from '../../db/client.js';
import type { RequestContext } from '../../api/context.js';
import { requireActor } from '../../api/context.js';
import { ApiError, Messages } from '../../api/errors.js';
import { parseUuid, type RawQuery } from '../../api/filters.js';
import { isVisible, lookupVisible } from '../../api/lookup.js';
import { readOrdering } from '../../api/ordering.js';
import { paginate, readPage, type Page, type PageSizeSettings } from '../../api/pagination.js';
import type { EventService } from '../../events/event.service.js';
import type { PermissionService } from '../../rbac/permission.service.js';
import { INVITATION_STAGE } from './invitation-stage.repository.js';
import { createSubtypeRepository } from '../../flows/stage-subtype.repository.js';
import { stageDefinition } from '../../flows/stage-definition.js';
import {
  USE_ORDER_FIELDS,
  createInvitationExtensionsRepository,
} from './invitation-extensions.repository.js';
import type { InvitationStageConsumptionBody, InvitationUseBody } from './invitation-extensions.schema.js';

const VIEW_INVITATION = 'authentik_stages_invitation.view_invitation';

/** The invitation stage's definition (invitation.feature.ts, which mounts this service's routes). */
const invitationStage = () => stageDefinition(INVITATION_STAGE.type);

export class InvitationExtensionsService {
  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly events: EventService,
    private readonly pageDefaults: PageSizeSettings,
  ) {}

  private async stage(ctx: RequestContext, rawPk: string) {
    const { object } = await lookupVisible(this.permissions, requireActor(ctx), {
      viewPermission: invitationStage().permissions.view,
      modelName: 'InvitationStage',
      rawPk,
      find: (pk) => createSubtypeRepository(this.db, INVITATION_STAGE).findByPk(pk),
    });
    return object;
  }

  async consumption(ctx: RequestContext, rawPk: string): Promise<InvitationStageConsumptionBody> {
    const stage = await this.stage(ctx, rawPk);
    return (await createInvitationExtensionsRepository(this.db).consumption(
      stage.pk,
    )) as InvitationStageConsumptionBody;
  }

  async setConsumption(
    ctx: RequestContext,
    rawPk: string,
    input: Partial<InvitationStageConsumptionBody>,
  ): Promise<InvitationStageConsumptionBody> {
    const stage = await this.stage(ctx, rawPk);
    await this.permissions.requireOnObject(requireActor(ctx), invitationStage().permissions.change, stage.pk);
    return this.db.transaction(async (tx) => {
      const repository = createInvitationExtensionsRepository(tx);
      await repository.setConsumption(stage.pk, input);
      await this.events.model(tx, ctx, 'model_updated', {
        app: invitationStage().meta.app,
        model_name: invitationStage().meta.model_name,
        pk: stage.pk,
        name: stage.name,
      });
      return (await repository.consumption(stage.pk)) as InvitationStageConsumptionBody;
    });
  }

  /**
   * The uses of an invitation. They outlive it (a consumed single-use invitation is deleted):
   * while it exists, view permission on it suffices; afterwards only the global one does.
   */
  async uses(ctx: RequestContext, rawPk: string, query: RawQuery): Promise<Page<InvitationUseBody>> {
    const actor = requireActor(ctx);
    const visibility = await this.permissions.visibility(actor, VIEW_INVITATION);
    const pk = parseUuid(rawPk);
    if (pk === undefined) throw ApiError.notFound();
    const repository = createInvitationExtensionsRepository(this.db);
    const exists = await repository.invitationExists(pk);
    const allowed = exists ? isVisible(visibility, pk) : visibility.all && (await repository.hasUses(pk));
    if (!allowed) throw ApiError.notFound(Messages.noMatch('Invitation'));
    const ordering = readOrdering(query, USE_ORDER_FIELDS, ['used']);
    const page = readPage(query, this.pageDefaults);
    return paginate(
      page,
      (limit, offset) => repository.usesPage(pk, ordering, limit, offset),
      () => repository.usesCount(pk),
    );
  }
}
