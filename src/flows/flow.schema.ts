/**
 * Flow wire shapes, after authentik's FlowSerializer and FlowSetSerializer
 * (authentik/flows/api/flows.py) and the 2026.8.3 schema's components.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, ReadOnly, StringEnum, component, ref, modelSchemas } from '../api/schemas.js';
import { SLUG_PATTERN } from '../api/validation.js';
import { Messages } from '../api/errors.js';

export const FLOW_DESIGNATIONS = [
  'authentication',
  'authorization',
  'invalidation',
  'enrollment',
  'unenrollment',
  'recovery',
  'stage_configuration',
] as const;
export const FlowDesignationEnum = StringEnum('FlowDesignationEnum', FLOW_DESIGNATIONS);

export const POLICY_ENGINE_MODES = ['all', 'any'] as const;
export const PolicyEngineMode = StringEnum('PolicyEngineMode', POLICY_ENGINE_MODES);

export const FLOW_LAYOUTS = [
  'stacked',
  'content_left',
  'content_right',
  'sidebar_left',
  'sidebar_right',
  'sidebar_left_frame_background',
  'sidebar_right_frame_background',
] as const;
export const FlowLayoutEnum = StringEnum('FlowLayoutEnum', FLOW_LAYOUTS);

export const DENIED_ACTIONS = ['message_continue', 'message', 'continue'] as const;
export const DeniedActionEnum = StringEnum('DeniedActionEnum', DENIED_ACTIONS);

export const AUTHENTICATION_MODES = [
  'none',
  'require_authenticated',
  'require_unauthenticated',
  'require_superuser',
  'require_redirect',
  'require_outpost',
  'require_token',
] as const;
export const AuthenticationEnum = StringEnum('AuthenticationEnum', AUTHENTICATION_MODES);

export const ThemedUrls = component(
  'ThemedUrls',
  Type.Object({
    light: Type.Optional(Nullable(Type.String())),
    dark: Type.Optional(Nullable(Type.String())),
  }),
);

const uuidReadOnly = (title?: string) =>
  ReadOnly(Type.String({ format: 'uuid', ...(title ? { title } : {}) }));

const slug = Type.String({
  description: 'Visible in the URL.',
  pattern: SLUG_PATTERN,
  maxLength: 50,
  // A model SlugField becomes DRF's SlugField, whose message differs from Django's validate_slug.
  'x-drf-pattern-message': Messages.invalidSlugField,
});
const title = Type.String({ description: 'Shown as the Title in Flow pages.' });
const designation = Type.Unsafe<Static<typeof FlowDesignationEnum>>({
  allOf: [ref(FlowDesignationEnum)],
  description:
    'Decides what this Flow is used for. For example, the Authentication flow is redirect to when an un-authenticated user visits authentik.',
});
const compatibilityMode = Type.Boolean({
  description: 'Enable compatibility mode, increases compatibility with password managers on mobile devices.',
});
const deniedAction = Type.Unsafe<Static<typeof DeniedActionEnum>>({
  allOf: [ref(DeniedActionEnum)],
  description: 'Configure what should happen when a flow denies access to a user.',
});
const authentication = Type.Unsafe<Static<typeof AuthenticationEnum>>({
  allOf: [ref(AuthenticationEnum)],
  description: 'Required level of authentication and authorization to access a flow.',
});

/** The fields FlowSet shares with Flow, in the order both serializers list them. */
const flowIdentity = {
  pk: uuidReadOnly('Flow uuid'),
  policybindingmodel_ptr_id: uuidReadOnly(),
  name: Type.String(),
  slug,
  title,
  designation,
};

/**
 * FlowSet, the "stripped down flow serializer" inside every stage's `flow_set`. It carries
 * `background` as well as `background_url`: 2025.10 clients (and the seed document) read the
 * former, 2026 clients the latter; both hold the background image URL.
 */
export const FlowSet = component(
  'FlowSet',
  Type.Object(
    {
      ...flowIdentity,
      background: ReadOnly(
        Type.String({
          description:
            'Get the URL to the background image. If the name is /static or starts with http it is returned as-is',
        }),
      ),
      background_url: ReadOnly(Type.String({ description: 'Get the URL to the background image' })),
      policy_engine_mode: Type.Optional(ref(PolicyEngineMode)),
      compatibility_mode: Type.Optional(compatibilityMode),
      export_url: ReadOnly(Type.String({ description: 'Get export URL for flow' })),
      layout: Type.Optional(ref(FlowLayoutEnum)),
      denied_action: Type.Optional(deniedAction),
    },
    { description: 'Stripped down flow serializer' },
  ),
);
export type FlowSetItem = Static<typeof FlowSet>;

export const Flow = component(
  'Flow',
  Type.Object(
    {
      ...flowIdentity,
      background: Type.Optional(Type.String({ description: 'Background shown during execution' })),
      background_url: ReadOnly(Type.String({ description: 'Get the URL to the background image' })),
      background_themed_urls: ReadOnly(Nullable(Type.Unsafe({ allOf: [ref(ThemedUrls)] }))),
      stages: ReadOnly(Type.Array(Type.String({ format: 'uuid' }))),
      policies: ReadOnly(Type.Array(Type.String({ format: 'uuid' }))),
      cache_count: ReadOnly(Type.Integer({ description: 'Get count of cached flows' })),
      policy_engine_mode: Type.Optional(ref(PolicyEngineMode)),
      compatibility_mode: Type.Optional(compatibilityMode),
      export_url: ReadOnly(Type.String({ description: 'Get export URL for flow' })),
      layout: Type.Optional(ref(FlowLayoutEnum)),
      denied_action: Type.Optional(deniedAction),
      authentication: Type.Optional(authentication),
    },
    { description: 'Flow Serializer' },
  ),
);
export type FlowBody = Static<typeof Flow>;

const flowRequestProperties = {
  name: Type.String({ minLength: 1 }),
  slug: Type.String({ ...slug, minLength: 1 }),
  title: Type.String({ ...title, minLength: 1 }),
  designation,
  background: Type.Optional(Type.String({ description: 'Background shown during execution' })),
  policy_engine_mode: Type.Optional(ref(PolicyEngineMode)),
  compatibility_mode: Type.Optional(compatibilityMode),
  layout: Type.Optional(ref(FlowLayoutEnum)),
  denied_action: Type.Optional(deniedAction),
  authentication: Type.Optional(authentication),
};

export const [FlowRequest, PatchedFlowRequest, PaginatedFlowList] = modelSchemas(Flow, flowRequestProperties);
export type FlowInput = Static<typeof FlowRequest>;

export const FlowSlugParams = Type.Object({ slug: Type.String() });
