/**
 * Token wire shapes, in authentik's field order (authentik/core/api/tokens.py TokenSerializer,
 * TokenViewSerializer, TokenSetKeySerializer).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, ReadOnly, StringEnum, component, ref, modelSchemas } from '../../api/schemas.js';
import { SLUG_PATTERN } from '../../api/validation.js';
import { Messages } from '../../api/errors.js';
import { User } from '../users/user.schema.js';

export const TOKEN_INTENTS = ['verification', 'api', 'recovery', 'app_password'] as const;
export type TokenIntent = (typeof TOKEN_INTENTS)[number];
export const IntentEnum = StringEnum('IntentEnum', TOKEN_INTENTS);

const managedDescription =
  'Objects that are managed by authentik. These objects are created and updated automatically. This flag only indicates that an object can be overwritten by migrations. You can still modify the objects via the API, but expect changes to be overwritten in a later update.';

export const Token = component(
  'Token',
  Type.Object(
    {
      pk: ReadOnly(Type.String({ format: 'uuid', title: 'Token uuid' })),
      managed: Type.Optional(
        Nullable(Type.String({ title: 'Managed by authentik', description: managedDescription })),
      ),
      identifier: Type.String({ maxLength: 255, pattern: SLUG_PATTERN }),
      intent: Type.Optional(ref(IntentEnum)),
      user: Type.Optional(Type.Integer()),
      user_obj: ReadOnly(Type.Unsafe({ allOf: [ref(User)] })),
      description: Type.Optional(Type.String()),
      expires: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
      expiring: Type.Optional(Type.Boolean()),
    },
    { description: 'Token Serializer' },
  ),
);
export type TokenBody = Static<typeof Token>;

const requestProperties = {
  managed: Type.Optional(
    Nullable(Type.String({ minLength: 1, title: 'Managed by authentik', description: managedDescription })),
  ),
  identifier: Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: SLUG_PATTERN,
    'x-drf-pattern-message': Messages.invalidSlugField,
  }),
  intent: Type.Optional(ref(IntentEnum)),
  user: Type.Optional(Type.Integer()),
  description: Type.Optional(Type.String()),
  expires: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  expiring: Type.Optional(Type.Boolean()),
};

export const [TokenRequest, PatchedTokenRequest, PaginatedTokenList] = modelSchemas(Token, requestProperties);
export type TokenInput = Static<typeof TokenRequest>;

export const TokenView = component(
  'TokenView',
  Type.Object({ key: ReadOnly(Type.String()) }, { description: "Show token's current key" }),
);

export const TokenSetKeyRequest = component(
  'TokenSetKeyRequest',
  Type.Object({ key: Type.String({ minLength: 1 }) }, { description: "Set token's key" }),
);

export const TokenIdentifierParams = Type.Object({ identifier: Type.String() });
