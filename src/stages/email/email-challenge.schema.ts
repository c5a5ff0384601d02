/**
 * The email stage's challenge and its answer (authentik/stages/email/stage.py EmailChallenge,
 * EmailChallengeResponse), added to the executor's unions. The challenge has no fields of its
 * own: the page says to check the inbox; an answer asks for the message again.
 */
import { Type } from '@sinclair/typebox';
import { component } from '../../api/schemas.js';
import { addChallenge, addChallengeResponse, challenge } from '../../flows/executor/challenge.schema.js';

export const EmailChallenge = challenge('EmailChallenge', 'ak-stage-email', {}, 'Email challenge');

export const EmailChallengeResponseRequest = component(
  'EmailChallengeResponseRequest',
  Type.Object(
    { component: Type.Optional(Type.String({ minLength: 1, default: 'ak-stage-email' })) },
    {
      description:
        'Email challenge resposen. No fields. This challenge is\nalways declared invalid to give the user a chance to retry',
    },
  ),
);

addChallenge('ak-stage-email', EmailChallenge);
addChallengeResponse('ak-stage-email', EmailChallengeResponseRequest);
