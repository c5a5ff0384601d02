/**
 * Invitation stages: the seed endpoint and the rest of its viewset
 * (authentik/stages/invitation/api.py InvitationStageViewSet).
 */
import { listScope, pageOf } from '../../api/list.js';
import type { Db } from '../../db/client.js';
import type { Actor, RequestContext } from '../../api/context.js';
import { requireActor } from '../../api/context.js';
import type { RawQuery } from '../../api/filters.js';
import { lookupVisible } from '../../api/lookup.js';
import { readOrdering } from '../../api/ordering.js';
import type { Page, PageSizeSettings } from '../../api/pagination.js';
import type { UsedByItem } from '../../api/schemas.js';
import type { EventService } from '../../events/event.service.js';
import type { PermissionService } from '../../rbac/permission.service.js';
import type { StageService } from '../../flows/stage.service.js';
import { defineStageType } from '../../flows/stage-types.js';
import { storedFlowSet } from '../../flows/flow-set.sql.js';
import {
  INVITATION_STAGE_ORDER_FIELDS,
  createInvitationStageRepository,
  type InvitationStageFilter,
  type InvitationStageRow,
} from './invitation-stage.repository.js';
import type { InvitationStageBody, InvitationStageInput } from './invitation-stage.schema.js';

const PERMISSION = {
  view: 'authentik_stages_invitation.view_invitationstage',
  add: 'authentik_stages_invitation.add_invitationstage',
  change: 'authentik_stages_invitation.change_invitationstage',
  delete: 'authentik_stages_invitation.delete_invitationstage',
} as const;

export const INVITATION_STAGE_TYPE = defineStageType('invitation', {
  app: 'authentik_stages_invitation',
  model: 'invitationstage',
  component: 'ak-stage-invitation-form',
  verboseName: 'Invitation Stage',
});
const META = INVITATION_STAGE_TYPE;

/** The serializer: the row plus the model metadata, in authentik's field order. */
export function presentInvitationStage(row: InvitationStageRow): InvitationStageBody {
  return {
    pk: row.pk,
    name: row.name,
    component: META.component,
    verbose_name: META.verbose_name,
    verbose_name_plural: META.verbose_name_plural,
    meta_model_name: META.meta_model_name,
    flow_set: storedFlowSet(row.flow_set),
    continue_flow_without_invitation: row.continue_flow_without_invitation,
  };
}

export class InvitationStageService {
  static readonly permissions = PERMISSION;

  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly events: EventService,
    private readonly stages: StageService,
    private readonly pageDefaults: PageSizeSettings,
  ) {}

  /**
   * The list, with DRF's filter backends in authentik's order: search (a NUL is a 400 bare
   * array), the permission filter (403 when nothing is visible), django-filter (400 per
   * field), ordering; then pagination (404 for a bad page).
   */
  async list(ctx: RequestContext, query: RawQuery): Promise<Page<InvitationStageBody>> {
    const { searchTerms, visiblePks, filters } = await listScope(
      this.permissions,
      ctx,
      query,
      PERMISSION.view,
    );
    const filter: InvitationStageFilter = {
      continueFlowWithoutInvitation: filters.boolean('continue_flow_without_invitation'),
      name: filters.text('name'),
      noFlows: filters.boolean('no_flows'),
      stageUuid: filters.uuid('stage_uuid'),
      searchTerms,
      visiblePks,
      ordering: readOrdering(query, INVITATION_STAGE_ORDER_FIELDS, ['name']),
    };
    filters.finish();
    const repository = createInvitationStageRepository(this.db);
    const result = await pageOf(repository, filter, query, this.pageDefaults);
    return { ...result, results: result.results.map(presentInvitationStage) };
  }

  private async find(actor: Actor, rawPk: string): Promise<InvitationStageRow> {
    const repository = createInvitationStageRepository(this.db);
    const { object } = await lookupVisible(this.permissions, actor, {
      viewPermission: PERMISSION.view,
      modelName: 'InvitationStage',
      rawPk,
      find: (pk) => repository.findByPk(pk),
    });
    return object;
  }

  async retrieve(ctx: RequestContext, rawPk: string): Promise<InvitationStageBody> {
    return presentInvitationStage(await this.find(requireActor(ctx), rawPk));
  }

  async create(ctx: RequestContext, input: InvitationStageInput): Promise<InvitationStageBody> {
    const row = await this.db.transaction(async (tx) => {
      await this.stages.assertNameFree(tx, input.name);
      const repository = createInvitationStageRepository(tx);
      const pk = await repository.insert({
        name: input.name,
        continueFlowWithoutInvitation: input.continue_flow_without_invitation ?? false,
      });
      await this.events.model(tx, ctx, 'model_created', this.modelRef(pk, input.name));
      return (await repository.findByPk(pk)) as InvitationStageRow;
    });
    return presentInvitationStage(row);
  }

  /** PUT and PATCH: PATCH sends only what changes; PUT's required fields are enforced by its schema. */
  async update(
    ctx: RequestContext,
    rawPk: string,
    input: Partial<InvitationStageInput>,
  ): Promise<InvitationStageBody> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, PERMISSION.change, current.pk);
    const row = await this.db.transaction(async (tx) => {
      if (input.name !== undefined) await this.stages.assertNameFree(tx, input.name, current.pk);
      const repository = createInvitationStageRepository(tx);
      await repository.update(current.pk, {
        name: input.name,
        continueFlowWithoutInvitation: input.continue_flow_without_invitation,
      });
      await this.events.model(
        tx,
        ctx,
        'model_updated',
        this.modelRef(current.pk, input.name ?? current.name),
      );
      return (await repository.findByPk(current.pk)) as InvitationStageRow;
    });
    return presentInvitationStage(row);
  }

  async destroy(ctx: RequestContext, rawPk: string): Promise<void> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, PERMISSION.delete, current.pk);
    await this.stages.destroy(ctx, current.pk, 'invitation', 'InvitationStage');
  }

  async usedBy(ctx: RequestContext, rawPk: string): Promise<UsedByItem[]> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    return this.stages.usedBy(actor, current.pk);
  }

  private modelRef(pk: string, name: string) {
    // authentik's model_to_dict names an object by its `name` field when it has one.
    return { app: META.app, model_name: META.model_name, pk, name };
  }
}
