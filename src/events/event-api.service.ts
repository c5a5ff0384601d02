/**
 * The audit log API (authentik/events/api/events.py EventViewSet): a read-only model viewset
 * (list, retrieve) with the action catalogue, plus the periodic removal of events past their
 * retention (authentik/core/tasks.py clean_expired_models: Event is an expiring model).
 */
import type { TypeCreateItem } from '../api/schemas.js';
import { ModelViewSet, type ViewSetDeps } from '../api/viewset.js';
import { EVENT_ACTIONS, eventActionLabel } from './event-actions.js';
import { createEventRepository, eventList, type EventRow } from './event.repository.js';
import type { EventBody } from './event.schema.js';

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

export class EventApiService extends ModelViewSet<EventRow, EventBody, never> {
  constructor(deps: ViewSetDeps) {
    super(deps, {
      model: 'authentik_events.event',
      objectName: 'Event',
      list: eventList,
      present: presentEvent,
    });
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
    return createEventRepository(this.deps.db).deleteExpired();
  }
}
