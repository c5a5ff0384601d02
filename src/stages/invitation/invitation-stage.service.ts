/**
 * Invitation stages: the seed endpoint and the rest of its viewset
 * (authentik/stages/invitation/api.py InvitationStageViewSet), the generic stage viewset over
 * the invitation stage's definition.
 */
import type { Db } from '../../db/client.js';
import type { PageSizeSettings } from '../../api/pagination.js';
import type { EventService } from '../../events/event.service.js';
import type { PermissionService } from '../../rbac/permission.service.js';
import type { StageService } from '../../flows/stage.service.js';
import { defineStageType } from '../../flows/stage-types.js';
import { SubtypeStageService, type SubtypeOptions } from '../../flows/stage-subtype.service.js';
import { INVITATION_STAGE } from './invitation-stage.repository.js';

export const invitationStageOptions: SubtypeOptions = {
  definition: INVITATION_STAGE,
  modelName: 'InvitationStage',
  // authentik/stages/invitation/models.py defaults
  defaults: { continue_flow_without_invitation: false },
};

export const INVITATION_STAGE_TYPE = defineStageType('invitation', {
  app: 'authentik_stages_invitation',
  model: 'invitationstage',
  component: 'ak-stage-invitation-form',
  verboseName: 'Invitation Stage',
});

export class InvitationStageService extends SubtypeStageService {
  static readonly permissions = {
    view: 'authentik_stages_invitation.view_invitationstage',
    add: 'authentik_stages_invitation.add_invitationstage',
    change: 'authentik_stages_invitation.change_invitationstage',
    delete: 'authentik_stages_invitation.delete_invitationstage',
  } as const;

  constructor(
    db: Db,
    permissions: PermissionService,
    events: EventService,
    stages: StageService,
    pageSizes: PageSizeSettings,
  ) {
    super(db, permissions, events, stages, pageSizes, invitationStageOptions);
  }
}
