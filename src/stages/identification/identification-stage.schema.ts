/** IdentificationStage wire shapes (authentik/stages/identification/api.py), in the 2026.8.3 schema's order. */
import { Type, type TSchema } from '@sinclair/typebox';
import { Nullable, StringEnum, ref } from '../../api/schemas.js';
import { stageSchemas } from '../../flows/stage.schema.js';

export const USER_FIELDS = ['email', 'username', 'upn'] as const;
export const UserFieldsEnum = StringEnum('UserFieldsEnum', USER_FIELDS);

/** A nullable primary key of another object (a stage or a flow). */
export function relatedPk(description: string): TSchema {
  return Type.Optional(Nullable(Type.String({ format: 'uuid', 'x-drf-pk': 'uuid', description }), {}));
}

const settings = {
  user_fields: Type.Optional(
    Type.Array(ref(UserFieldsEnum), {
      description: 'Fields of the user object to match against. (Hold shift to select multiple options)',
    }),
  ),
  password_stage: relatedPk(
    'When set, shows a password field, instead of showing the password field as separate step.',
  ),
  captcha_stage: relatedPk(
    'When set, adds functionality exactly like a Captcha stage, but baked into the Identification stage.',
  ),
  case_insensitive_matching: Type.Optional(
    Type.Boolean({ description: 'When enabled, user fields are matched regardless of their casing.' }),
  ),
  show_matched_user: Type.Optional(
    Type.Boolean({
      description:
        "When a valid username/email has been entered, and this option is enabled, the user's username and avatar will be shown. Otherwise, the text that the user entered will be shown",
    }),
  ),
  enrollment_flow: relatedPk('Optional enrollment flow, which is linked at the bottom of the page.'),
  recovery_flow: relatedPk('Optional recovery flow, which is linked at the bottom of the page.'),
  passwordless_flow: relatedPk('Optional passwordless flow, which is linked at the bottom of the page.'),
  sources: Type.Optional(
    Type.Array(Type.String({ format: 'uuid' }), { description: 'Specify which sources should be shown.' }),
  ),
  show_source_labels: Type.Optional(Type.Boolean()),
  pretend_user_exists: Type.Optional(
    Type.Boolean({
      description:
        'When enabled, the stage will succeed and continue even when incorrect user info is entered.',
    }),
  ),
  enable_remember_me: Type.Optional(
    Type.Boolean({
      description:
        "Show the user the 'Remember me on this device' toggle, allowing repeat users to skip straight to entering their password.",
    }),
  ),
  webauthn_stage: relatedPk(
    'When set, and conditional WebAuthn is available, allow the user to use their passkey as a first factor.',
  ),
};

export const identificationStageSchemas = stageSchemas(
  'IdentificationStage',
  'Identification Stage',
  settings,
  settings,
);
