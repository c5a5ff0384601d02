/**
 * Checking a password the way authentik's `authenticate()` does (authentik/stages/password/
 * stage.py) with only the inbuilt backend (Django's ModelBackend): the password must match the
 * user's memory-hard hash and the user must be active. A failure sends authentik's
 * `login_failed` event and counts against the client address's limit on failed
 * authentications (src/api/rate-limit.ts), which answers 429 once it is exceeded.
 */
import { hashPassword, verifyPassword } from '../../core/users/password.js';
import { hexPk } from '../../events/event.service.js';
import type { StageRun } from '../../flows/executor/stage-registry.js';
import type { IdentifiedUser } from '../identification/identification.repository.js';
import { stageMeta } from '../../flows/stage-types.js';
import { BACKEND_INBUILT } from './password-stage.schema.js';

let dummyHash: Promise<string> | undefined;

/**
 * Checks `password` for `user` (undefined for someone who does not exist). An unknown user
 * costs a hash as a known one does, as ModelBackend runs the hasher once for a missing user,
 * so the answer's timing does not tell whether the account exists.
 */
export async function passwordMatches(
  user: IdentifiedUser | undefined,
  password: string,
  backends: readonly string[],
): Promise<boolean> {
  if (!user || !backends.includes(BACKEND_INBUILT)) {
    dummyHash ??= hashPassword('tessera-not-a-password');
    await verifyPassword(password, await dummyHash);
    return false;
  }
  const matches = await verifyPassword(password, user.password);
  return matches && user.is_active;
}

/** Refuses the attempt outright (429) while the client's address is limited. */
export function assertSignInAllowed(run: StageRun): void {
  run.limiter?.assertNotLimited('auth', run.ctx.clientIp);
}

/**
 * authentik/events/signals.py on_login_failed: `login_failed` with the credentials (the
 * password masked), the stage and anything else, attributed to the user of that username when
 * one exists; then the failure is counted (which throws the 429 once over the limit). Written
 * at once rather than with the session: a refused sign-in must leave its trace even when the
 * request ends in a 429.
 */
export async function signInFailed(
  run: StageRun,
  credentials: { username: string; password?: string },
  user: IdentifiedUser | undefined,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const meta = stageMeta(run.binding.type);
  await run.events.record(
    run.db,
    run.ctx,
    'login_failed',
    {
      ...credentials,
      stage: {
        pk: hexPk(run.binding.stage),
        app: meta.app,
        name: run.binding.name,
        model_name: meta.model_name,
      },
      ...extra,
    },
    {
      app: 'authentik.events.signals',
      ...(user ? { user: { username: user.username, pk: user.id, email: user.email } } : {}),
    },
  );
  await run.limiter?.fail('auth', run.ctx);
}
