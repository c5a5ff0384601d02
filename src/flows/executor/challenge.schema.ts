/**
 * The flow executor's challenges (authentik/flows/challenge.py, authentik/stages/prompt/stage.py)
 * registered under authentik's component names, and the `ChallengeTypes` union the executor
 * answers with. Only the challenges Tessera's stages emit are members of the union; each keeps
 * authentik's field order, which is the order DRF renders them in.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Nullable, StringEnum, component, ref } from '../../api/schemas.js';
import { FlowDesignationEnum, ThemedUrls, FLOW_LAYOUTS } from '../flow.schema.js';
import { PromptTypeEnum } from '../../stages/prompt/prompt.schema.js';

export const ContextualFlowInfoLayoutEnum = StringEnum('ContextualFlowInfoLayoutEnum', FLOW_LAYOUTS);

export const ContextualFlowInfo = component(
  'ContextualFlowInfo',
  Type.Object(
    {
      title: Type.Optional(Type.String()),
      background: Type.Optional(Type.String()),
      background_themed_urls: Type.Optional(Nullable(Type.Unsafe({ allOf: [ref(ThemedUrls)] }))),
      cancel_url: Type.String(),
      layout: ref(ContextualFlowInfoLayoutEnum),
    },
    { description: 'Contextual flow information for a challenge' },
  ),
);
export type FlowInfo = Static<typeof ContextualFlowInfo>;

export const ErrorDetail = component(
  'ErrorDetail',
  Type.Object(
    { string: Type.String(), code: Type.String() },
    { description: "Serializer for rest_framework's error messages" },
  ),
);
export type ErrorDetailBody = Static<typeof ErrorDetail>;
/** `response_errors`: field name (or `non_field_errors`) to its errors. */
export type ResponseErrors = Record<string, ErrorDetailBody[]>;

/** The fields every challenge starts with (authentik/flows/challenge.py Challenge). */
function challengeProperties(defaultComponent: string) {
  return {
    flow_info: Type.Optional(ref(ContextualFlowInfo)),
    component: Type.Optional(Type.String({ default: defaultComponent })),
  };
}

/** DRF's DictField(child=ListField(ErrorDetail)) as drf-spectacular writes it. */
function responseErrorsSchema(): TSchema {
  return Type.Unsafe({
    type: 'object',
    additionalProperties: { type: 'array', items: ref(ErrorDetail) },
  });
}

function challenge<P extends Record<string, TSchema>>(
  id: string,
  defaultComponent: string,
  properties: P,
  description: string,
) {
  const base = challengeProperties(defaultComponent);
  return component(
    id,
    Type.Object(
      { ...base, response_errors: Type.Optional(responseErrorsSchema()), ...properties },
      { description },
    ),
  );
}

export const PromptChoice = component(
  'PromptChoice',
  Type.Object(
    { value: Type.String(), label: Type.String() },
    { description: 'Serializer for a single Choice field' },
  ),
);

export const StagePrompt = component(
  'StagePrompt',
  Type.Object(
    {
      field_key: Type.String(),
      label: Type.String(),
      type: ref(PromptTypeEnum),
      required: Type.Boolean(),
      placeholder: Type.String(),
      initial_value: Type.String(),
      order: Type.Integer(),
      sub_text: Type.String(),
      choices: Nullable(Type.Array(ref(PromptChoice))),
    },
    { description: 'Serializer for a single Prompt field' },
  ),
);
export type StagePromptBody = Static<typeof StagePrompt>;

export const PromptChallenge = challenge(
  'PromptChallenge',
  'ak-stage-prompt',
  { fields: Type.Array(ref(StagePrompt)) },
  'Initial challenge being sent, define fields',
);

export const AccessDeniedChallenge = challenge(
  'AccessDeniedChallenge',
  'ak-stage-access-denied',
  {
    pending_user: Type.String(),
    pending_user_avatar: Type.String(),
    error_message: Type.Optional(Type.String()),
  },
  "Challenge when a flow's active stage calls `stage_invalid()`.",
);

export const RedirectChallenge = challenge(
  'RedirectChallenge',
  'xak-flow-redirect',
  { to: Type.String(), final_redirect: Type.Optional(Type.Boolean({ default: false })) },
  'Challenge type to redirect the client',
);

export const FlowErrorChallenge = challenge(
  'FlowErrorChallenge',
  'ak-stage-flow-error',
  {
    request_id: Type.String(),
    error: Type.Optional(Type.String()),
    traceback: Type.Optional(Type.String()),
  },
  'Challenge class when an unhandled error occurs during a stage. Normal users\nare shown an error message, superusers are shown a full stacktrace.',
);

/** A free-form object (authentik's nested challenges Tessera never sends, such as a captcha's). */
const freeObject = () => Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: {} });

export const IdentificationChallenge = challenge(
  'IdentificationChallenge',
  'ak-stage-identification',
  {
    user_fields: Nullable(Type.Array(Type.String())),
    pending_user_identifier: Type.Optional(Nullable(Type.String())),
    password_fields: Type.Boolean(),
    allow_show_password: Type.Optional(Type.Boolean({ default: false })),
    application_pre: Type.Optional(Type.String()),
    application_pre_launch: Type.Optional(Type.String()),
    flow_designation: ref(FlowDesignationEnum),
    captcha_stage: Type.Optional(Nullable(freeObject())),
    enroll_url: Type.Optional(Type.String()),
    recovery_url: Type.Optional(Type.String()),
    passwordless_url: Type.Optional(Type.String()),
    primary_action: Type.String(),
    sources: Type.Optional(Type.Array(freeObject())),
    show_source_labels: Type.Boolean(),
    enable_remember_me: Type.Optional(Type.Boolean({ default: true })),
    passkey_challenge: Type.Optional(Nullable(freeObject())),
  },
  'Identification challenges with all UI elements',
);

export const PasswordChallenge = challenge(
  'PasswordChallenge',
  'ak-stage-password',
  {
    pending_user: Type.String(),
    pending_user_avatar: Type.String(),
    recovery_url: Type.Optional(Type.String()),
    allow_show_password: Type.Optional(Type.Boolean({ default: false })),
  },
  'Password challenge UI fields',
);

const CHALLENGES: [string, TSchema][] = [
  ['ak-stage-access-denied', AccessDeniedChallenge],
  ['ak-stage-flow-error', FlowErrorChallenge],
  ['ak-stage-identification', IdentificationChallenge],
  ['ak-stage-password', PasswordChallenge],
  ['ak-stage-prompt', PromptChallenge],
  ['xak-flow-redirect', RedirectChallenge],
];

/** authentik's ChallengeTypes: a union discriminated by `component`. */
export const ChallengeTypes = component(
  'ChallengeTypes',
  Type.Unsafe<Record<string, unknown>>({
    oneOf: CHALLENGES.map(([, schema]) => ref(schema)),
    discriminator: {
      propertyName: 'component',
      mapping: Object.fromEntries(
        CHALLENGES.map(([name, schema]) => [name, `#/components/schemas/${schema.$id as string}`]),
      ),
    },
  }),
);

export const PromptChallengeResponseRequest = component(
  'PromptChallengeResponseRequest',
  Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    description: 'Validate response, fields are dynamically created based\non the stage',
    properties: { component: { type: 'string', minLength: 1, default: 'ak-stage-prompt' } },
    additionalProperties: {},
  }),
);

const nullableString = () => Nullable(Type.String());

export const IdentificationChallengeResponseRequest = component(
  'IdentificationChallengeResponseRequest',
  Type.Object(
    {
      component: Type.Optional(Type.String({ minLength: 1, default: 'ak-stage-identification' })),
      uid_field: Type.Optional(nullableString()),
      password: Type.Optional(nullableString()),
      captcha_token: Type.Optional(nullableString()),
      passkey: Type.Optional(Nullable(freeObject())),
    },
    { description: 'Identification challenge' },
  ),
);

export const PasswordChallengeResponseRequest = component(
  'PasswordChallengeResponseRequest',
  Type.Object(
    {
      component: Type.Optional(Type.String({ minLength: 1, default: 'ak-stage-password' })),
      password: Type.String({ minLength: 1 }),
    },
    { description: 'Password challenge response' },
  ),
);

const RESPONSES: [string, TSchema][] = [
  ['ak-stage-identification', IdentificationChallengeResponseRequest],
  ['ak-stage-password', PasswordChallengeResponseRequest],
  ['ak-stage-prompt', PromptChallengeResponseRequest],
];

/** authentik's FlowChallengeResponseRequest: the answer to a challenge, by `component`. */
export const FlowChallengeResponseRequest = component(
  'FlowChallengeResponseRequest',
  Type.Unsafe<Record<string, unknown>>({
    oneOf: RESPONSES.map(([, schema]) => ref(schema)),
    discriminator: {
      propertyName: 'component',
      mapping: Object.fromEntries(
        RESPONSES.map(([name, schema]) => [name, `#/components/schemas/${schema.$id as string}`]),
      ),
    },
  }),
);

export const ExecutorParams = Type.Object({ flow_slug: Type.String() });
export const ExecutorQuery = Type.Object({ query: Type.String({ description: 'Querystring as received' }) });

/** A challenge body as the executor returns it. */
export type ChallengeBody = Record<string, unknown> & { component: string };
