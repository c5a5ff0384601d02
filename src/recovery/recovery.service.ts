/**
 * Recovery keys (authentik/recovery: `ak create_recovery_key` and UseTokenView): a one-time
 * sign-in link for a user locked out of their own instance (a broken flow, a lost password).
 * The key is a token with intent `recovery` that expires; using it deletes it and signs its
 * user in with a browser session, as a login stage would.
 */
import type { Db } from '../db/client.js';
import type { EventService } from '../events/event.service.js';
import { randomToken } from '../core/crypto/random-token.js';
import type { NewEvent } from '../events/event.repository.js';
import type { RequestContext } from '../api/context.js';
import { createRecoveryRepository } from './recovery.repository.js';

/** The path of a recovery link; the key follows. */
export const RECOVERY_PATH = '/recovery/use-token/';

export class RecoveryService {
  constructor(
    private readonly db: Db,
    private readonly events: EventService,
  ) {}

  /** A new recovery key for the user, valid for `minutes`; returns the key and its expiry. */
  async createKey(
    user: { id: number; username: string; email: string },
    minutes: number,
  ): Promise<{ key: string; expires: string }> {
    const key = randomToken(48);
    // authentik's command writes no event for the token (events come from requests); the
    // sign-in it leads to writes `login`.
    const expires = await createRecoveryRepository(this.db).insertToken({
      identifier: `ak-recovery-${user.username}-${Date.now()}`,
      key,
      userId: user.id,
      description: `Recovery token created by tessera create-recovery-key`,
      minutes,
    });
    return { key, expires };
  }

  /**
   * Consumes the key; returns its user and the `login` event to write with the session that
   * signs them in, or undefined for an unknown, used or expired key.
   */
  async useKey(
    ctx: RequestContext,
    key: string,
  ): Promise<{ userId: number; events: NewEvent[] } | undefined> {
    const user = await createRecoveryRepository(this.db).consumeToken(key);
    if (!user) return undefined;
    // authentik/events/signals.py on_user_logged_in, as Django's login() in UseTokenView fires it.
    const login = this.events.entry(
      ctx,
      'login',
      { recovery: true },
      {
        app: 'authentik.events.signals',
        user: { username: user.username, pk: user.id, email: user.email },
      },
    );
    return { userId: user.id, events: [login] };
  }
}
