/**
 * Tessera's extensions to authentik's invitation API, as separate resources so that authentik's
 * own shapes stay byte-exact:
 * - `/stages/invitation/stages/{stage_uuid}/consumption/`: when a single-use invitation is used up;
 * - `/stages/invitation/invitations/{invite_uuid}/uses/`: who enrolled through an invitation.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  Nullable,
  ReadOnly,
  StringEnum,
  component,
  paginated,
  ref,
  requestComponents,
} from '../../api/schemas.js';

export const SINGLE_USE_CONSUMPTION_MODES = ['open', 'enrollment'] as const;
export const SingleUseConsumptionEnum = StringEnum(
  'SingleUseConsumptionEnum',
  SINGLE_USE_CONSUMPTION_MODES,
  '`open`: consumed when the invitation stage accepts it (authentik). `enrollment`: held for the first session by a lease and consumed when its user is written.',
);

const properties = {
  single_use_consumption: ref(SingleUseConsumptionEnum),
  lease_seconds: Type.Integer({
    minimum: 1,
    maximum: 2592000,
    description: 'How long a session holds a single-use invitation in `enrollment` mode.',
  }),
};

export const InvitationStageConsumption = component(
  'InvitationStageConsumption',
  Type.Object(properties, {
    description: 'When single-use invitations accepted by this stage are used up (Tessera).',
  }),
);
export type InvitationStageConsumptionBody = Static<typeof InvitationStageConsumption>;

export const {
  request: InvitationStageConsumptionRequest,
  patched: PatchedInvitationStageConsumptionRequest,
} = requestComponents(
  'InvitationStageConsumption',
  properties,
  'When single-use invitations accepted by this stage are used up (Tessera).',
);

export const InvitationUse = component(
  'InvitationUse',
  Type.Object(
    {
      pk: ReadOnly(Type.Integer()),
      user: ReadOnly(
        Nullable(Type.Integer({ description: 'The enrolled user; null until written, or once deleted.' })),
      ),
      username: ReadOnly(Type.String({ description: 'The username at enrollment.' })),
      client_ip: ReadOnly(Nullable(Type.String())),
      used: ReadOnly(Type.String({ format: 'date-time' })),
    },
    { description: 'One use of an invitation (Tessera).' },
  ),
);
export type InvitationUseBody = Static<typeof InvitationUse>;

export const PaginatedInvitationUseList = paginated(InvitationUse);

export const InviteUuidParams = Type.Object({
  invite_uuid: Type.String({ format: 'uuid', description: 'A UUID string identifying this Invitation.' }),
});

export const InvitationUseListQuery = Type.Object({
  ordering: Type.Optional(Type.String({ description: 'Which field to use when ordering the results.' })),
  page: Type.Optional(Type.Integer({ description: 'A page number within the paginated result set.' })),
  page_size: Type.Optional(Type.Integer({ description: 'Number of results to return per page.' })),
});
