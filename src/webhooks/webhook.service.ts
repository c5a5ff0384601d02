/**
 * Webhook endpoints (Tessera, docs/webhooks.md): the model viewset over `webhook_endpoints`,
 * with permissions `tessera_webhooks.{view,add,change,delete}_webhookendpoint` through the
 * existing RBAC, and each endpoint's delivery log.
 *
 * The secret signs every delivery, so it is shown once, in the answer to create, and never
 * listed or retrieved; a PUT or PATCH may set a new one. A URL is refused unless its host is
 * a public address (src/webhooks/webhook-address.ts), checked before the transaction opens.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import { requireActor, type Actor, type RequestContext } from '../api/context.js';
import { ApiError, Messages, type FieldErrors } from '../api/errors.js';
import type { RawQuery } from '../api/filters.js';
import { paginate, readPage, type Page, type PageSizeSettings } from '../api/pagination.js';
import { ModelViewSet } from '../api/viewset.js';
import type { EventService } from '../events/event.service.js';
import { createOutboxRepository, type DeliveryRow } from '../outbox/outbox.repository.js';
import type { PermissionService } from '../rbac/permission.service.js';
import type { WebhooksConfig } from '../config.js';
import { AddressRefused, checkedAddresses } from './webhook-address.js';
import {
  createWebhookRepository,
  webhookEndpointList,
  type WebhookEndpointRow,
  type WebhookEndpointValues,
} from './webhook.repository.js';
import type {
  WebhookDeliveryBody,
  WebhookEndpointBody,
  WebhookEndpointInput,
  WebhookEventType,
} from './webhook.schema.js';

export const WEBHOOK_APP = 'tessera_webhooks';
export const WEBHOOK_MODEL = 'webhookendpoint';
const VERBOSE_NAME = 'Webhook Endpoint';

/**
 * What a subscriber must hold globally to receive each type: a webhook carries the data of
 * the invitation or the user it reports, so an endpoint may only be subscribed to what its
 * author may read anyway, and its delivery log only shows what its reader may read.
 */
const EVENT_PERMISSIONS: Record<WebhookEventType, string> = {
  'invitation.created': 'authentik_stages_invitation.view_invitation',
  'invitation.sent': 'authentik_stages_invitation.view_invitation',
  'invitation.used': 'authentik_stages_invitation.view_invitation',
  'invitation.expired': 'authentik_stages_invitation.view_invitation',
  'invitation.revoked': 'authentik_stages_invitation.view_invitation',
  'user.enrolled': 'authentik_core.view_user',
};

/** `whsec_` and the base64 of the key, as Standard Webhooks secrets are written. */
const SECRET_RE = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
const INVALID_SECRET = 'Enter a Standard Webhooks secret: "whsec_" followed by the base64 of 24 to 64 bytes.';

/** A new secret: 32 random bytes, as the Standard Webhooks libraries generate them. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function validSecret(secret: string): boolean {
  const match = SECRET_RE.exec(secret);
  if (!match) return false;
  const bytes = Buffer.from(match[1], 'base64');
  return bytes.length >= 24 && bytes.length <= 64 && bytes.toString('base64') === match[1];
}

export function presentEndpoint(row: WebhookEndpointRow): WebhookEndpointBody {
  return {
    pk: row.pk,
    name: row.name,
    url: row.url,
    events: row.events as WebhookEventType[],
    enabled: row.enabled,
    created: row.created,
  };
}

export function presentWebhookDelivery(row: DeliveryRow): WebhookDeliveryBody {
  return {
    pk: row.id,
    type: (row.payload as { type: WebhookEventType }).type,
    status: row.status,
    attempts: row.attempts,
    response_code: row.response_code,
    last_error: row.last_error,
    payload: row.payload,
    next_attempt_at: row.next_attempt_at,
    delivered_at: row.delivered_at,
    created: row.created,
    updated: row.updated,
  };
}

/** The fields whose checks need the database, in the viewset's transaction. */
async function validate(tx: Db, input: Partial<WebhookEndpointInput>, exceptPk?: string): Promise<void> {
  const errors: FieldErrors = {};
  if (input.name !== undefined && (await createWebhookRepository(tx).nameTaken(input.name, exceptPk))) {
    errors.name = [Messages.uniqueName('webhook endpoint')];
  }
  if (input.events !== undefined && input.events.length === 0)
    errors.events = ['This list may not be empty.'];
  if (input.secret !== undefined && !validSecret(input.secret)) errors.secret = [INVALID_SECRET];
  if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
}

function values(input: Partial<WebhookEndpointInput>): WebhookEndpointValues {
  return {
    name: input.name,
    url: input.url,
    // Each type once, in the order given.
    events: input.events === undefined ? undefined : [...new Set(input.events)],
    secret: input.secret,
    enabled: input.enabled,
  };
}

export class WebhookService extends ModelViewSet<
  WebhookEndpointRow,
  WebhookEndpointBody,
  WebhookEndpointInput
> {
  constructor(
    private readonly db: Db,
    permissions: PermissionService,
    events: EventService,
    private readonly pageSizes: PageSizeSettings,
    private readonly config: WebhooksConfig,
  ) {
    super(
      { db, permissions, events, pageSizes },
      {
        model: `${WEBHOOK_APP}.${WEBHOOK_MODEL}`,
        objectName: 'WebhookEndpoint',
        list: webhookEndpointList,
        present: presentEndpoint,
        async insert(tx, input) {
          await validate(tx, input);
          const given = values(input);
          return createWebhookRepository(tx).insert({
            name: input.name,
            url: input.url,
            events: given.events ?? [],
            secret: input.secret ?? generateSecret(),
            enabled: input.enabled ?? true,
          });
        },
        async update(tx, current, input) {
          await validate(tx, input, current.pk);
          await createWebhookRepository(tx).update(current.pk, values(input));
        },
        delete: (tx, current) => createWebhookRepository(tx).delete(current.pk),
      },
    );
  }

  static readonly verboseName = VERBOSE_NAME;

  /** A URL the server may POST to: http(s), and a public host unless private ones are allowed. */
  private async checkUrl(url: string | undefined): Promise<void> {
    if (url === undefined) return;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw ApiError.field('url', 'Enter a valid URL.');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw ApiError.field('url', 'Enter a valid URL: only http and https are allowed.');
    }
    try {
      await checkedAddresses(parsed.hostname, this.config.allowPrivate);
    } catch (error) {
      if (error instanceof AddressRefused) throw ApiError.field('url', error.message);
      throw error;
    }
  }

  /** The event types the caller may receive: those whose data they may read everywhere. */
  private async readableTypes(actor: Actor): Promise<WebhookEventType[]> {
    const types = Object.keys(EVENT_PERMISSIONS) as WebhookEventType[];
    const allowed = await Promise.all(
      types.map((type) => this.deps.permissions.hasGlobal(actor, EVENT_PERMISSIONS[type])),
    );
    return types.filter((_, index) => allowed[index]);
  }

  /** Nobody subscribes an endpoint to data they could not read themselves. */
  private async checkSubscription(actor: Actor, events: WebhookEventType[] | undefined): Promise<void> {
    if (events === undefined) return;
    const readable = await this.readableTypes(actor);
    const refused = [...new Set(events)].filter((type) => !readable.includes(type));
    if (refused.length > 0) {
      throw ApiError.field(
        'events',
        `You cannot subscribe to ${refused.join(', ')}: it needs the global permission ` +
          `${[...new Set(refused.map((type) => EVENT_PERMISSIONS[type]))].join(', ')}, which you do not hold.`,
      );
    }
  }

  /** Create; the answer carries the secret, the only time it is shown. */
  override async create(ctx: RequestContext, input: WebhookEndpointInput): Promise<WebhookEndpointBody> {
    await this.checkSubscription(requireActor(ctx), input.events);
    await this.checkUrl(input.url);
    const secret = input.secret ?? generateSecret();
    const created = await super.create(ctx, { ...input, secret });
    return { ...created, secret };
  }

  override async update(
    ctx: RequestContext,
    rawKey: string,
    input: Partial<WebhookEndpointInput>,
  ): Promise<WebhookEndpointBody> {
    // Permission first, as DRF does: the URL check resolves names, and its answer is only for
    // whoever may change the endpoint.
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawKey);
    await this.deps.permissions.requireOnObject(actor, this.permission.change, current.pk);
    await this.checkSubscription(actor, input.events);
    await this.checkUrl(input.url);
    return super.update(ctx, rawKey, input);
  }

  /**
   * The endpoint's delivery log, newest first, for whoever may view the endpoint: the
   * deliveries of the types whose data they may read (the payloads are in it).
   */
  async deliveries(ctx: RequestContext, rawKey: string, query: RawQuery): Promise<Page<WebhookDeliveryBody>> {
    const actor = requireActor(ctx);
    const endpoint = await this.find(actor, rawKey);
    const types = await this.readableTypes(actor);
    const outbox = createOutboxRepository(this.db);
    const page = await paginate(
      readPage(query, this.pageSizes),
      (limit, offset) => outbox.listForTarget('webhook', endpoint.pk, limit, offset, types),
      () => outbox.countForTarget('webhook', endpoint.pk, types),
    );
    return { ...page, results: page.results.map(presentWebhookDelivery) };
  }
}
