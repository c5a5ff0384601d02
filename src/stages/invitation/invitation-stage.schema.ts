/**
 * Invitation stage wire shapes (authentik/stages/invitation/api.py InvitationStageSerializer),
 * in authentik's field order: the seed document's `results` items.
 */
import { Type, type Static } from '@sinclair/typebox';
import { component, paginated } from '../../api/schemas.js';
import { stageBaseProperties } from '../../flows/stage.schema.js';

const continueFlowWithoutInvitation = Type.Boolean({
  description:
    'If this flag is set, this Stage will jump to the next Stage when no Invitation is given. By default this Stage will cancel the Flow when no invitation is given.',
});

export const InvitationStage = component(
  'InvitationStage',
  Type.Object(
    {
      ...stageBaseProperties,
      continue_flow_without_invitation: Type.Optional(continueFlowWithoutInvitation),
    },
    { description: 'InvitationStage Serializer' },
  ),
);
export type InvitationStageBody = Static<typeof InvitationStage>;

const requestProperties = {
  name: Type.String({ minLength: 1 }),
  continue_flow_without_invitation: Type.Optional(continueFlowWithoutInvitation),
};

export const InvitationStageRequest = component(
  'InvitationStageRequest',
  Type.Object(requestProperties, { description: 'InvitationStage Serializer' }),
);
export type InvitationStageInput = Static<typeof InvitationStageRequest>;

export const PatchedInvitationStageRequest = component(
  'PatchedInvitationStageRequest',
  Type.Partial(Type.Object(requestProperties), { description: 'InvitationStage Serializer' }),
);

export const PaginatedInvitationStageList = paginated(InvitationStage);

export const StageUuidParams = Type.Object({
  stage_uuid: Type.String({
    format: 'uuid',
    description: 'A UUID string identifying this Invitation Stage.',
  }),
});
