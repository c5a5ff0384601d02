/**
 * API tokens (authentik/core/api/tokens.py TokenViewSet): keyed by identifier, owned by a user.
 * A caller without the global `view_token` permission sees only their own tokens (the view's
 * `owner_field`), owners may change and delete their tokens, and anyone may create tokens,
 * but only superusers for someone else.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { Actor, RequestContext } from '../../api/context.js';
import { requireActor } from '../../api/context.js';
import { ApiError, Messages, type FieldErrors } from '../../api/errors.js';
import type { RawQuery } from '../../api/filters.js';
import { ModelViewSet } from '../../api/viewset.js';
import type { CoreServiceDeps } from '../users/core-service-deps.js';
import { parseTimedelta } from '../../lib/timedelta.js';
import type { EventService } from '../../events/event.service.js';
import { PrivilegeService } from '../../rbac/privilege.service.js';
import { createUserRepository } from '../users/user.repository.js';
import { mergeGroupAttributes } from '../users/group-attributes.js';
import { USER_ATTRIBUTE_TOKEN_MAXIMUM_LIFETIME, tokensExpire } from '../users/user-attributes.js';
import { presentUser } from '../users/user.service.js';
import { createTokenRepository, tokenList, type TokenRow } from './token.repository.js';
import type { TokenBody, TokenInput } from './token.schema.js';

/** The token permissions beyond the viewset's view/add/change/delete. */
export const TOKEN_PERMISSION = {
  viewKey: 'authentik_core.view_token_key',
  setKey: 'authentik_core.set_token_key',
} as const;

const NON_EXPIRING_REFUSED = 'Only a superuser can create a token that does not expire.';

/** The tenant's default_token_length. */
export const DEFAULT_TOKEN_LENGTH = 60;
const KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** authentik's generate_id(): letters and digits from a cryptographic source. */
export function generateTokenKey(length = DEFAULT_TOKEN_LENGTH): string {
  let key = '';
  for (let i = 0; i < length; i += 1) key += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
  return key;
}

/** Python's str() of an aware UTC datetime: `2026-11-27 08:00:00.123456+00:00`. */
export function pythonDatetime(date: Date, micros = ''): string {
  const iso = date.toISOString();
  const fraction = micros || iso.slice(20, 23) + '000';
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return `${base}${/^0+$/.test(fraction) ? '' : `.${fraction}`}+00:00`;
}

/** str(token): the identifier, with the expiry for an expiring token. */
export function tokenDisplayName(row: {
  identifier: string;
  expiring: boolean;
  expires: string | null;
}): string {
  if (!row.expiring) return row.identifier;
  if (row.expires === null) return `${row.identifier} (expires=None)`;
  const micros = /\.(\d{6})/.exec(row.expires)?.[1] ?? '000000';
  return `${row.identifier} (expires=${pythonDatetime(new Date(row.expires), micros)})`;
}

export function tokenRef(row: TokenRow) {
  return { app: 'authentik_core', model_name: 'token', pk: row.pk, name: tokenDisplayName(row) };
}

/** TokenSerializer's `include_*` switches for the embedded user: anything but "true" turns one off. */
function includeFlag(ctx: RequestContext, key: string): boolean {
  return String((ctx.query as RawQuery)[key] ?? 'true').toLowerCase() === 'true';
}

function presentToken(row: TokenRow, ctx: RequestContext, installId: string): TokenBody {
  return {
    pk: row.pk,
    managed: row.managed,
    identifier: row.identifier,
    intent: row.intent,
    user: row.user,
    user_obj: presentUser(row.user_obj, installId, {
      groups: includeFlag(ctx, 'include_groups'),
      roles: includeFlag(ctx, 'include_roles'),
    }),
    description: row.description,
    expires: row.expires,
    expiring: row.expiring,
  };
}

export class TokenService extends ModelViewSet<TokenRow, TokenBody, TokenInput> {
  private readonly events: EventService;
  private readonly privileges: PrivilegeService;

  constructor(
    deps: CoreServiceDeps,
    private readonly options: { defaultTokenDurationSeconds: number },
  ) {
    super(deps, {
      model: 'authentik_core.token',
      objectName: 'Token',
      list: tokenList,
      findByPk: (tx, pk) => createTokenRepository(tx).findByPk(pk),
      // get_object() by identifier, expired tokens included. A NUL cannot be in a stored
      // identifier (and PostgreSQL text cannot carry one).
      findByKey: async (tx, identifier) =>
        identifier.includes('\0') ? undefined : createTokenRepository(tx).findByIdentifier(identifier),
      owner: (row) => row.user,
      present: (row, ctx) => presentToken(row, ctx, deps.install.id),
      auditName: tokenDisplayName,
      insert: (tx, input, caller) => this.insert(tx, input, caller.actor),
      update: (tx, current, input, caller) => this.change(tx, current, input, caller.actor),
      delete: (tx, current) => createTokenRepository(tx).delete(current.pk),
    });
    this.events = deps.events;
    this.privileges = new PrivilegeService(deps.permissions);
  }

  /** The expiry authentik's TokenSerializer.validate settles on, or a 400. */
  private async expiry(
    db: Db,
    userId: number,
    intent: string,
    expiring: boolean,
    expires: string | null | undefined,
  ): Promise<string | null | undefined> {
    const defaultExpiry = new Date(Date.now() + this.options.defaultTokenDurationSeconds * 1000);
    // For API tokens, expires cannot be overridden: always now + the default token duration.
    if (intent === 'api') return defaultExpiry.toISOString();
    if (intent === 'app_password') {
      let maximum = defaultExpiry;
      const lifetime = (await this.groupAttributes(db, userId))[USER_ATTRIBUTE_TOKEN_MAXIMUM_LIFETIME];
      if (typeof lifetime === 'string') {
        // An unparsable lifetime falls back to the default, as authentik ignores the ValueError.
        const seconds = parseTimedelta(lifetime);
        if (seconds !== undefined) maximum = new Date(Date.now() + seconds * 1000);
      }
      if (expires && new Date(expires).getTime() > maximum.getTime()) {
        throw ApiError.field(
          'expires',
          `Token expires exceeds maximum lifetime (${pythonDatetime(maximum)} UTC).`,
        );
      }
      // An expiring app password sent without an expiry gets the default duration.
      if (expires === undefined && expiring) return defaultExpiry.toISOString();
    }
    return expires;
  }

  /**
   * The expiring flag authentik's perform_create gives a non-superuser's token: their
   * `goauthentik.io/user/token-expires` attribute, true when unset.
   */
  private async ownExpiring(db: Db, actor: Actor): Promise<boolean> {
    return tokensExpire((await createUserRepository(db).findByPk(actor.user.id))?.attributes);
  }

  /** A superuser, or a user whose attributes let their tokens live forever. */
  private async mayDisableExpiry(db: Db, actor: Actor): Promise<boolean> {
    return actor.user.is_superuser || !(await this.ownExpiring(db, actor));
  }

  private async groupAttributes(db: Db, userId: number): Promise<Record<string, unknown>> {
    const users = createUserRepository(db);
    const user = await users.findByPk(userId);
    return mergeGroupAttributes(await users.allGroups(userId), user?.attributes ?? {});
  }

  private async validateUnique(db: Db, input: Partial<TokenInput>, exceptPk?: string): Promise<FieldErrors> {
    const repository = createTokenRepository(db);
    const errors: FieldErrors = {};
    if (
      input.identifier !== undefined &&
      (await repository.taken('identifier', input.identifier, exceptPk))
    ) {
      errors.identifier = ['Token with this identifier already exists.'];
    }
    if (input.managed && (await repository.taken('managed', input.managed, exceptPk))) {
      errors.managed = ['Token with this Managed by authentik already exists.'];
    }
    const userInRange = input.user !== undefined && Math.abs(input.user) <= 2147483647;
    if (input.user !== undefined && (!userInRange || !(await repository.userExists(input.user)))) {
      errors.user = [Messages.pkDoesNotExist(input.user)];
    }
    return errors;
  }

  private async insert(tx: Db, input: TokenInput, actor: Actor): Promise<string> {
    const intent = input.intent ?? 'api';
    const errors = await this.validateUnique(tx, input);
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
    if (intent !== 'api' && intent !== 'app_password')
      throw ApiError.field('intent', `Invalid intent ${intent}`);
    // perform_create: a non-superuser always creates for themselves, with the expiring flag their
    // attributes set (default true).
    let userId = input.user ?? actor.user.id;
    let expiring = input.expiring ?? true;
    if (!actor.user.is_superuser) {
      userId = actor.user.id;
      expiring = await this.ownExpiring(tx, actor);
      // authentik silently overrides the flag; Tessera says so, rather than hand back a token
      // that expires when the caller asked for one that does not.
      if (input.expiring === false && expiring) throw ApiError.field('expiring', NON_EXPIRING_REFUSED);
    }
    const expires = await this.expiry(tx, userId, intent, expiring, input.expires);
    const repository = createTokenRepository(tx);
    const pk = await repository.insert({
      identifier: input.identifier,
      managed: input.managed ?? null,
      intent,
      userId,
      description: input.description ?? '',
      expires: expires ?? null,
      expiring,
      key: generateTokenKey(),
    });
    // The creator may read the key of a token they made (granted on the object).
    if (!actor.user.is_superuser)
      await repository.grantToUser(actor.user.id, 'authentik_core', 'view_token_key', pk);
    return pk;
  }

  /**
   * PUT and PATCH. authentik's serializer defaults `user` and `intent` on every validation,
   * which would hand the token to the caller and turn it into an API token on a PATCH that
   * does not mention them; Tessera keeps the token's own (docs/compatibility.md).
   */
  private async change(tx: Db, current: TokenRow, input: Partial<TokenInput>, actor: Actor): Promise<void> {
    const errors = await this.validateUnique(tx, input, current.pk);
    if (input.user !== undefined && !errors.user && input.user !== current.user) {
      errors.user = ['User cannot be changed'];
    }
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
    const intent = input.intent ?? current.intent;
    if (intent !== 'api' && intent !== 'app_password')
      throw ApiError.field('intent', `Invalid intent ${intent}`);
    // perform_create lets only superusers choose a non-expiring token; the same holds for an
    // update, or any token owner could lift the expiry of their own token with one PATCH.
    if (input.expiring === false && current.expiring && !(await this.mayDisableExpiry(tx, actor))) {
      throw ApiError.field('expiring', NON_EXPIRING_REFUSED);
    }
    const expiring = input.expiring ?? current.expiring;
    const expires = await this.expiry(tx, current.user, intent, expiring, input.expires);
    await createTokenRepository(tx).update(current.pk, {
      identifier: input.identifier,
      managed: input.managed,
      intent,
      description: input.description,
      expires: intent === 'api' || input.expires !== undefined ? expires : undefined,
      expiring: input.expiring,
    });
  }

  /**
   * permission_required: the permission globally, else the visible token and the permission on
   * it. Reading or setting a key is acting as the token's owner, so the caller must also hold
   * everything the owner holds (PrivilegeService.target): a global view_token_key or
   * set_token_key does not reach akadmin's tokens, which would make its holder a superuser.
   */
  private async requireKeyAction(actor: Actor, permission: string, identifier: string): Promise<TokenRow> {
    const { db, permissions } = this.deps;
    const global = await permissions.hasGlobal(actor, permission);
    const row = await this.find(actor, identifier);
    if (!global) await permissions.requireOnObject(actor, permission, row.pk);
    const refusal = await this.privileges.target(db, actor, row.user);
    if (refusal !== null) throw PrivilegeService.forbidden(refusal);
    return row;
  }

  /** view_key: the key, and a `secret_view` event naming the token. */
  async viewKey(ctx: RequestContext, identifier: string): Promise<{ key: string }> {
    const actor = requireActor(ctx);
    const row = await this.requireKeyAction(actor, TOKEN_PERMISSION.viewKey, identifier);
    return this.deps.db.transaction(async (tx) => {
      const key = await createTokenRepository(tx).readKey(row.pk);
      const ref = tokenRef(row);
      await this.events.record(tx, ctx, 'secret_view', { secret: { ...ref, pk: ref.pk.replace(/-/g, '') } });
      return { key };
    });
  }

  /** set_key: replaces the key; logged as `model_updated`. */
  async setKey(ctx: RequestContext, identifier: string, key: string): Promise<void> {
    const actor = requireActor(ctx);
    const row = await this.requireKeyAction(actor, TOKEN_PERMISSION.setKey, identifier);
    await this.deps.db.transaction(async (tx) => {
      await createTokenRepository(tx).setKey(row.pk, key);
      await this.events.model(tx, ctx, 'model_updated', tokenRef(row));
    });
  }
}
