/**
 * Invitation wire shapes (authentik/stages/invitation/api.py InvitationSerializer and
 * InvitationSendEmailSerializer), in authentik's field order. Tessera's extensions (`max_uses`,
 * `uses`, `status`, `revoked_at`, `revoked_by`, then the grants `groups`/`roles` and the binding
 * `email`/`email_domains`) come after authentik's fields so that clients that do not know them
 * read the object unchanged.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  JsonObject,
  Nullable,
  ReadOnly,
  StringEnum,
  component,
  ref,
  modelSchemas,
} from '../../api/schemas.js';
import { Messages } from '../../api/errors.js';
import { SLUG_PATTERN } from '../../api/validation.js';
import { Flow } from '../../flows/flow.schema.js';
import { PartialUser } from '../../core/users/partial-user.schema.js';
import { PartialGroup } from '../../core/users/user.schema.js';
import { Role } from '../../rbac/role.schema.js';

const name = Type.String({
  pattern: SLUG_PATTERN,
  'x-drf-pattern-message': Messages.invalidSlug,
});
const expires = Nullable(Type.String({ format: 'date-time' }));
const singleUse = Type.Boolean({ description: 'When enabled, the invitation will be deleted after usage.' });
const flow = Nullable(
  Type.String({
    format: 'uuid',
    description: 'When set, only the configured flow can use this invitation.',
    // A PrimaryKeyRelatedField: the lookup's Django UUIDField rejects a malformed id.
    'x-drf-uuid-message': '“{value}” is not a valid UUID.',
  }),
);
const uuidList = (description: string) =>
  Type.Array(Type.String({ format: 'uuid', 'x-drf-uuid-message': '“{value}” is not a valid UUID.' }), {
    description,
  });
const groups = uuidList(
  'Tessera extension: groups the enrolled user joins. Only a caller who could add a user to each group may set them.',
);
const roles = uuidList(
  'Tessera extension: roles given to the enrolled user. Only a caller who holds every permission of each role may set them.',
);
const email = Nullable(
  Type.String({
    format: 'email',
    maxLength: 254,
    description:
      'Tessera extension: only an enrollment with this email address (compared case-insensitively) may use the invitation.',
  }),
);
/** A DNS name: labels of letters, digits and inner hyphens, at least two of them. */
export const DOMAIN_PATTERN =
  '^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$';
const emailDomains = Nullable(
  Type.Array(
    Type.String({
      pattern: DOMAIN_PATTERN,
      'x-drf-pattern-message': 'Enter a valid domain name.',
    }),
    {
      description:
        'Tessera extension: only an enrollment whose email address is in one of these domains (exact domain, case-insensitive) may use the invitation.',
    },
  ),
);

const maxUses = Nullable(
  Type.Integer({
    minimum: 1,
    maximum: 2147483647,
    description:
      'Tessera extension: how many enrollments the invitation allows. Null keeps authentik’s behaviour (single use or unlimited).',
  }),
);

/**
 * Tessera's `status`, inline rather than a component: the Invitation shape is authentik's, and
 * only its documented extra properties may differ (test/api/schema.test.ts).
 */
const status = Type.Unsafe<'active' | 'used_up' | 'expired' | 'revoked'>({
  type: 'string',
  enum: ['active', 'used_up', 'expired', 'revoked'],
  readOnly: true,
  description:
    'Tessera extension: `active` (usable), `used_up` (every allowed use taken), `expired` (past an expiring invitation’s expiry) or `revoked`; the first that applies, from `revoked` down.',
});

export const Invitation = component(
  'Invitation',
  Type.Object(
    {
      pk: ReadOnly(Type.String({ format: 'uuid', title: 'Invite uuid' })),
      name,
      expires: Type.Optional(expires),
      fixed_data: Type.Optional(JsonObject()),
      created_by: ReadOnly(Type.Unsafe<Static<typeof PartialUser>>({ allOf: [ref(PartialUser)] })),
      single_use: Type.Optional(singleUse),
      flow: Type.Optional(flow),
      // authentik documents it as a required Flow but sends null when no flow is set.
      flow_obj: ReadOnly(Type.Unsafe<Static<typeof Flow> | null>({ allOf: [ref(Flow)] })),
      max_uses: Type.Optional(maxUses),
      uses: ReadOnly(
        Type.Integer({ description: 'Tessera extension: enrollments completed through the invitation.' }),
      ),
      status,
      revoked_at: ReadOnly(
        Nullable(
          Type.String({ format: 'date-time', description: 'Tessera extension: when it was revoked.' }),
        ),
      ),
      revoked_by: ReadOnly(
        Type.Unsafe<Static<typeof PartialUser> | null>({
          allOf: [ref(PartialUser)],
          nullable: true,
          description: 'Tessera extension: who revoked it (null when not revoked, or that user is gone).',
        }),
      ),
      groups: Type.Optional(groups),
      groups_obj: ReadOnly(Type.Array(ref(PartialGroup))),
      roles: Type.Optional(roles),
      roles_obj: ReadOnly(Type.Array(ref(Role))),
      email: Type.Optional(email),
      email_domains: Type.Optional(emailDomains),
    },
    { description: 'Invitation Serializer' },
  ),
);
export type InvitationBody = Static<typeof Invitation>;

const requestProperties = {
  name: Type.String({ ...name, minLength: 1 }),
  expires: Type.Optional(expires),
  fixed_data: Type.Optional(JsonObject()),
  single_use: Type.Optional(singleUse),
  flow: Type.Optional(flow),
  max_uses: Type.Optional(maxUses),
  groups: Type.Optional(groups),
  roles: Type.Optional(roles),
  email: Type.Optional(email),
  email_domains: Type.Optional(emailDomains),
};

export const [InvitationRequest, PatchedInvitationRequest, PaginatedInvitationList] = modelSchemas(
  Invitation,
  requestProperties,
);
export type InvitationInput = Static<typeof InvitationRequest>;

/**
 * The send_email body. authentik declares the lists' items as anything and never validates
 * them; Tessera validates every address (DRF ListField of EmailField errors, by index).
 */
const addresses = Type.Array(Type.String({ format: 'email' }));

export const InvitationSendEmailRequest = component(
  'InvitationSendEmailRequest',
  Type.Object(
    {
      email_addresses: addresses,
      cc_addresses: Type.Optional(addresses),
      bcc_addresses: Type.Optional(addresses),
      template: Type.Optional(Type.String({ minLength: 1, default: 'invitation' })),
    },
    { description: 'Serializer for sending invitation emails' },
  ),
);
export type InvitationSendEmailInput = Static<typeof InvitationSendEmailRequest>;

export const InviteUuidParams = Type.Object({
  invite_uuid: Type.String({
    format: 'uuid',
    description: 'A UUID string identifying this Invitation.',
  }),
});

export const InvitationListQuery = Type.Object({
  created_by__username: Type.Optional(Type.String()),
  expires: Type.Optional(Type.String({ format: 'date-time' })),
  flow__slug: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  ordering: Type.Optional(Type.String({ description: 'Which field to use when ordering the results.' })),
  page: Type.Optional(Type.Integer({ description: 'A page number within the paginated result set.' })),
  page_size: Type.Optional(Type.Integer({ description: 'Number of results to return per page.' })),
  search: Type.Optional(Type.String({ description: 'A search term.' })),
  status: Type.Optional(
    Type.Union(
      [Type.Literal('active'), Type.Literal('used_up'), Type.Literal('expired'), Type.Literal('revoked')],
      {
        description:
          'Tessera extension: active (usable), used_up (every allowed use taken), expired (past an expiring invitation’s expiry) or revoked.',
      },
    ),
  ),
});

/** The most invitations one bulk call creates. */
export const MAX_BULK = 10_000;

/**
 * Tessera extension: the body of `POST .../invitations/bulk/`, one template for every
 * invitation and either `count` or `emails`. The addresses are checked by the service (DRF's
 * EmailField message by index), since an item is either an address or an object.
 */
export const InvitationBulkRequest = component(
  'InvitationBulkRequest',
  Type.Object(
    {
      flow: Type.String({
        format: 'uuid',
        description: 'The flow the links open; every invitation is bound to it.',
        'x-drf-uuid-message': '“{value}” is not a valid UUID.',
      }),
      name_prefix: Type.Optional(
        Type.String({
          ...name,
          minLength: 1,
          maxLength: 200,
          description: 'Names are `<name_prefix>-<n>`, n from 1; defaults to the flow’s slug.',
        }),
      ),
      expires: Type.Optional(expires),
      fixed_data: Type.Optional(JsonObject()),
      single_use: Type.Optional(singleUse),
      max_uses: Type.Optional(maxUses),
      count: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: MAX_BULK,
          description: 'How many invitations, without addresses.',
        }),
      ),
      emails: Type.Optional(
        Type.Unsafe<(string | { email: string; fixed_data?: Record<string, unknown> })[]>({
          type: 'array',
          maxItems: MAX_BULK,
          description:
            'One invitation per entry: an address, or `{"email": ..., "fixed_data": {...}}` whose fixed_data is merged over the template’s.',
          items: {
            oneOf: [
              { type: 'string', format: 'email' },
              {
                type: 'object',
                properties: {
                  email: { type: 'string', format: 'email' },
                  fixed_data: { type: 'object', additionalProperties: {} },
                },
                required: ['email'],
              },
            ],
          },
        }),
      ),
      groups: Type.Optional(groups),
      roles: Type.Optional(roles),
      email_domains: Type.Optional(emailDomains),
      bind_email: Type.Optional(
        Type.Boolean({
          default: true,
          description:
            'With `emails`: each invitation is bound to its address (its `email`), so only that person can enroll with it.',
        }),
      ),
      send_email: Type.Optional(
        Type.Boolean({
          default: false,
          description:
            'With `emails`: queue one message per address with its link, in the transaction that creates them (the outbox delivers and retries).',
        }),
      ),
    },
    { description: 'Tessera: many invitations from one template.' },
  ),
);
export type InvitationBulkInput = Static<typeof InvitationBulkRequest>;

export const InvitationBulkItem = component(
  'InvitationBulkItem',
  Type.Object(
    {
      pk: Type.String({ format: 'uuid' }),
      name: Type.String(),
      email: Nullable(Type.String({ format: 'email' })),
      link: Type.String({
        description:
          '`<TESSERA_EXTERNAL_URL or the origin a trusted proxy forwarded>/if/flow/<slug>/?itoken=<pk>`; a path when neither is known.',
      }),
    },
    { description: 'Tessera: one invitation created by a bulk call.' },
  ),
);
export type InvitationBulkItemBody = Static<typeof InvitationBulkItem>;

export const InvitationBulkResult = component(
  'InvitationBulkResult',
  Type.Object(
    { count: Type.Integer(), results: Type.Array(ref(InvitationBulkItem)) },
    { description: 'Tessera: the invitations a bulk call created, in the order asked.' },
  ),
);
export type InvitationBulkResultBody = Static<typeof InvitationBulkResult>;

export const TIMELINE_KINDS = [
  'created',
  'edited',
  'sent',
  'opened',
  'refused',
  'used',
  'expired',
  'revoked',
] as const;

export const InvitationTimelineKindEnum = StringEnum(
  'InvitationTimelineKindEnum',
  TIMELINE_KINDS,
  '`created`, `edited`, `sent` (an invitation email), `opened` (a flow accepted the link), `refused` (a flow refused it), `used` (a user enrolled), `expired`, `revoked`.',
);

export const InvitationTimelineEntry = component(
  'InvitationTimelineEntry',
  Type.Object(
    {
      kind: ref(InvitationTimelineKindEnum),
      at: Type.String({ format: 'date-time' }),
      actor: Nullable(
        Type.Object({ pk: Nullable(Type.Integer()), username: Type.String() }, { description: 'Who acted.' }),
      ),
      detail: JsonObject({
        description:
          '`sent`: `to`, `delivered`, `error` (and `status` while not delivered: queued, retrying, failed); `used`: `user`, `username`, `client_ip`; `refused`: `reason`; `created`/`edited`/`revoked`: `name`; `opened`: `client_ip`.',
      }),
    },
    { description: 'Tessera: one entry of an invitation’s history.' },
  ),
);
export type InvitationTimelineEntryBody = Static<typeof InvitationTimelineEntry>;
