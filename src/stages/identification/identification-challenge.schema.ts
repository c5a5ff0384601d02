/**
 * The identification stage's challenge and its answer (authentik/stages/identification/stage.py
 * IdentificationChallenge, IdentificationChallengeResponse), added to the executor's unions.
 */
import { Type } from '@sinclair/typebox';
import { Nullable, component, ref } from '../../api/schemas.js';
import { addChallenge, addChallengeResponse, challenge } from '../../flows/executor/challenge.schema.js';
import { FlowDesignationEnum } from '../../flows/flow.schema.js';

/** A free-form object (authentik's nested challenges Tessera never sends, such as a captcha's). */
const freeObject = () => Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: {} });
const nullableString = () => Nullable(Type.String());

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

addChallenge('ak-stage-identification', IdentificationChallenge);
addChallengeResponse('ak-stage-identification', IdentificationChallengeResponseRequest);
