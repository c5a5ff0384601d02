/** PasswordStage wire shapes (authentik/stages/password/api.py), in the 2026.8.3 schema's order. */
import { Type } from '@sinclair/typebox';
import { StringEnum, ref } from '../../api/schemas.js';
import { stageSchemas } from '../../flows/stage.schema.js';
import { relatedPk } from '../identification/identification-stage.schema.js';

/** authentik's BACKEND_* constants; only the inbuilt backend (passwords in Tessera's users) is real. */
export const BACKEND_INBUILT = 'authentik.core.auth.InbuiltBackend';
export const BACKENDS = [
  BACKEND_INBUILT,
  'authentik.core.auth.TokenBackend',
  'authentik.sources.ldap.auth.LDAPBackend',
  'authentik.sources.kerberos.auth.KerberosBackend',
] as const;
export const BackendsEnum = StringEnum('BackendsEnum', BACKENDS);

const backendsDescription = 'Selection of backends to test the password against.';

function settings(backends: ReturnType<typeof Type.Array>) {
  return {
    backends,
    configure_flow: relatedPk(
      'Flow used by an authenticated user to configure this Stage. If empty, user will not be able to configure this stage.',
    ),
    failed_attempts_before_cancel: Type.Optional(
      Type.Integer({
        maximum: 2147483647,
        minimum: -2147483648,
        description:
          'How many attempts a user has before the flow is canceled. To lock the user out, use a reputation policy and a user_write stage.',
      }),
    ),
    allow_show_password: Type.Optional(
      Type.Boolean({
        description: "When enabled, provides a 'show password' button with the password input field.",
      }),
    ),
  };
}

const backends = () => Type.Array(ref(BackendsEnum), { description: backendsDescription });

export const passwordStageSchemas = stageSchemas(
  'PasswordStage',
  'Password Stage',
  settings(backends()),
  settings(backends()),
);
