/**
 * The flow executor's own challenges (authentik/flows/challenge.py) registered under
 * authentik's component names, and the `ChallengeTypes` union the executor answers with (and
 * `FlowChallengeResponseRequest`, the answers it takes). Stages add their challenges to both
 * (`addChallenge`, `addChallengeResponse`) from their own folders, e.g.
 * src/stages/prompt/prompt-challenge.schema.ts. Only the challenges Tessera's stages emit are
 * members of the union; each keeps authentik's field order, which is the order DRF renders
 * them in.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Nullable, StringEnum, component, ref } from '../../api/schemas.js';
import { ThemedUrls, FLOW_LAYOUTS } from '../flow.schema.js';

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

/** A challenge component: the common fields, then the stage's own. */
export function challenge<P extends Record<string, TSchema>>(
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

/**
 * A union discriminated by `component`, as drf-spectacular writes PolymorphicProxySerializer:
 * members in the order of their component names. The schema's arrays are filled in place as
 * the stage folders load, before any app compiles its routes.
 */
function discriminatedUnion(id: string) {
  const oneOf: TSchema[] = [];
  const mapping: Record<string, string> = {};
  const members: [string, TSchema][] = [];
  const schema = component(
    id,
    Type.Unsafe<Record<string, unknown>>({ oneOf, discriminator: { propertyName: 'component', mapping } }),
  );
  const add = (name: string, member: TSchema): void => {
    members.push([name, member]);
    members.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    oneOf.splice(0, oneOf.length, ...members.map(([, each]) => ref(each)));
    for (const key of Object.keys(mapping)) delete mapping[key];
    for (const [each, eachSchema] of members)
      mapping[each] = `#/components/schemas/${eachSchema.$id as string}`;
  };
  return { schema, add };
}

const challenges = discriminatedUnion('ChallengeTypes');
/** authentik's ChallengeTypes: every challenge a stage or the executor shows. */
export const ChallengeTypes = challenges.schema;
/** Adds a stage's challenge to ChallengeTypes, under its `component` name. */
export const addChallenge = challenges.add;
addChallenge('ak-stage-access-denied', AccessDeniedChallenge);
addChallenge('ak-stage-flow-error', FlowErrorChallenge);
addChallenge('xak-flow-redirect', RedirectChallenge);

const responses = discriminatedUnion('FlowChallengeResponseRequest');
/** authentik's FlowChallengeResponseRequest: the answer to a challenge, by `component`. */
export const FlowChallengeResponseRequest = responses.schema;
/** Adds the answer to a stage's challenge to FlowChallengeResponseRequest. */
export const addChallengeResponse = responses.add;

export const ExecutorParams = Type.Object({ flow_slug: Type.String() });
export const ExecutorQuery = Type.Object({ query: Type.String({ description: 'Querystring as received' }) });

/** A challenge body as the executor returns it. */
export type ChallengeBody = Record<string, unknown> & { component: string };
