/**
 * The password stage's challenge and its answer (authentik/stages/password/stage.py
 * PasswordChallenge, PasswordChallengeResponse), added to the executor's unions.
 */
import { Type } from '@sinclair/typebox';
import { component } from '../../api/schemas.js';
import { addChallenge, addChallengeResponse, challenge } from '../../flows/executor/challenge.schema.js';

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

addChallenge('ak-stage-password', PasswordChallenge);
addChallengeResponse('ak-stage-password', PasswordChallengeResponseRequest);
