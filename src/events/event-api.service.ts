/**
 * The audit log API (authentik/events/api/events.py EventViewSet): list, retrieve and the
 * action catalogue, plus the periodic removal of events past their retention
 * (authentik/core/tasks.py clean_expired_models: Event is an expiring model).
 */
import { listScope, pageOf } from '../api/list.js';
import type { Db } from '../db/client.js';
import { requireActor, type RequestContext } from '../api/context.js';
import type { FilterReader } from '../api/filters.js';
import { allValues, type RawQuery } from '../api/filters.js';
import { lookupVisible } from '../api/lookup.js';
import { readOrdering } from '../api/ordering.js';
import { parseDatetime } from '../api/validation.js';
import type { Page, PageSizeSettings } from '../api/pagination.js';
import type { TypeCreateItem } from '../api/schemas.js';
import type { VisibilityPermissions } from '../api/permissions.js';
import { maskInvitationToken } from './invitation-token.js';
import { EVENT_ACTIONS, EVENT_ACTION_VALUES, eventActionLabel } from './event-actions.js';
import {
  EVENT_ORDER_FIELDS,
  createEventRepository,
  type EventFilter,
  type EventRow,
} from './event.repository.js';
import type { EventBody } from './event.schema.js';

const PERMISSION = {
  view: 'authentik_events.view_event',
} as const;

export function presentEvent(row: EventRow): EventBody {
  return {
    pk: row.pk,
    user: row.user,
    action: row.action as EventBody['action'],
    app: row.app,
    context: row.context,
    client_ip: row.client_ip,
    created: row.created,
    expires: row.expires,
    brand: row.brand,
  };
}

/**
 * `context_model_pk`: authentik stores a UUID pk as 32 hex digits, so dashes a client sends
 * are removed, and a number matches the number too (EventsFilter.filter_context_model_pk).
 * Invitation events carry their pk masked (the pk is the invitation's secret), so a full
 * invitation UUID also matches its masked form: the object's history stays one filter away
 * without the token ever being stored.
 */
function contextModelPks(raw: string): string[] {
  const value = raw.replace(/-/g, '');
  const candidates = [value];
  if (/^[0-9a-f]{32}$/i.test(value)) candidates.push(maskInvitationToken(value));
  return candidates;
}

export class EventApiService {
  static readonly permissions = PERMISSION;

  constructor(
    private readonly db: Db,
    private readonly permissions: VisibilityPermissions,
    private readonly pageDefaults: PageSizeSettings,
  ) {}

  /**
   * The list, with DRF's filter backends in authentik's order: search (DRF's fallback over
   * event_uuid, user, action, app, context and client_ip), the permission filter (403 when
   * nothing is visible), EventsFilter, ordering (default `-created`); then pagination.
   */
  async list(ctx: RequestContext, query: RawQuery): Promise<Page<EventBody>> {
    const { searchTerms, visiblePks, filters } = await listScope(
      this.permissions,
      ctx,
      query,
      PERMISSION.view,
    );
    const contextModelPk = filters.text('context_model_pk');
    const filter: EventFilter = {
      actionContains: filters.text('action'),
      actions: this.readActions(query, filters),
      clientIp: filters.text('client_ip'),
      username: filters.text('username'),
      contextModelPks: contextModelPk === undefined ? undefined : contextModelPks(contextModelPk),
      contextModelName: filters.text('context_model_name'),
      contextModelApp: filters.text('context_model_app'),
      contextAuthorizedApp: filters.text('context_authorized_app'),
      contextDevice: filters.text('context_device'),
      brandName: filters.text('brand_name'),
      // Not in authentik's EventsFilter: the admin screen's date range (docs/compatibility.md).
      createdFrom: filters.datetime('created__gte', parseDatetime),
      createdBefore: filters.datetime('created__lt', parseDatetime),
      searchTerms,
      visiblePks,
      ordering: readOrdering(query, EVENT_ORDER_FIELDS, ['-created']),
    };
    filters.finish();
    const repository = createEventRepository(this.db);
    const page = await pageOf(repository, filter, query, this.pageDefaults);
    return { ...page, results: page.results.map(presentEvent) };
  }

  /** `actions`: a MultipleChoiceFilter; every value must be one of EventActions. */
  private readActions(query: RawQuery, filters: FilterReader): string[] | undefined {
    const values = allValues(query, 'actions');
    if (values.length === 0) return undefined;
    const bad = values.find((value) => !(EVENT_ACTION_VALUES as readonly string[]).includes(value));
    if (bad !== undefined) {
      filters.fail('actions', `Select a valid choice. ${bad} is not one of the available choices.`);
      return undefined;
    }
    return values;
  }

  async retrieve(ctx: RequestContext, rawPk: string): Promise<EventBody> {
    const repository = createEventRepository(this.db);
    const { object } = await lookupVisible(this.permissions, requireActor(ctx), {
      viewPermission: PERMISSION.view,
      modelName: 'Event',
      rawPk,
      find: (pk) => repository.findByPk(pk),
    });
    return presentEvent(object);
  }

  /** `actions/`: every EventAction with its label, as TypeCreate items. */
  actions(): TypeCreateItem[] {
    return EVENT_ACTIONS.map(([value, member]) => ({
      name: eventActionLabel(member),
      description: '',
      component: value,
      model_name: '',
    }));
  }

  /** Removes events past their retention; no event records it. Returns how many. */
  async cleanExpired(): Promise<number> {
    return createEventRepository(this.db).deleteExpired();
  }
}
