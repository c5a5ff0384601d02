/**
 * Invitation stage wire shapes (authentik/stages/invitation/api.py InvitationStageSerializer),
 * in authentik's field order: the seed document's `results` items.
 */
import { Type } from '@sinclair/typebox';
import { stageSchemas } from '../../flows/stage.schema.js';

const continueFlowWithoutInvitation = Type.Boolean({
  description:
    'If this flag is set, this Stage will jump to the next Stage when no Invitation is given. By default this Stage will cancel the Flow when no invitation is given.',
});

const settings = { continue_flow_without_invitation: Type.Optional(continueFlowWithoutInvitation) };

export const invitationStageSchemas = stageSchemas('InvitationStage', 'Invitation Stage', settings, settings);
