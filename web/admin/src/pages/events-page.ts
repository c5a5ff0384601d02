/**
 * The audit log (authentik's Events → Logs): newest first, filtered by action, user, the
 * changed object's app and model, and a date range; an event opens its own screen with its
 * context as JSON.
 */
import { html, nothing } from 'lit';
import { EventsApi, type Event, type EventActions, type TypeCreate } from '@goauthentik/api';
import { configuration, eventsApi } from '../api.js';
import type { TableQuery } from '../components/table.js';
import { DetailScreen, ListScreen, problemText, when } from './page-kit.js';

const VIEW_EVENT = 'authentik_events.view_event';

/** The first instant of a `yyyy-mm-dd` day in the reader's time zone, `days` later. */
function startOfDay(day: string, days = 0): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year, month - 1, date + days).toISOString();
}

/** The username an event names. */
function eventUser(event: Event): string {
  const username = (event.user as { username?: unknown } | undefined)?.username;
  return typeof username === 'string' ? username : '—';
}

/** The object a model event concerns, as "model: name". */
function eventObject(event: Event): string {
  const model = event.context?.model as { model_name?: unknown; name?: unknown } | undefined;
  return model ? `${String(model.model_name ?? '')}: ${String(model.name ?? '')}` : '—';
}

interface EventFilters {
  action: string;
  username: string;
  app: string;
  model: string;
  from: string;
  to: string;
}

const NO_FILTERS: EventFilters = { action: '', username: '', app: '', model: '', from: '', to: '' };

export class EventsPage extends ListScreen<Event> {
  static override properties = { ...ListScreen.properties, actions: { state: true } };

  readonly heading = 'Audit log';
  readonly viewPermission = VIEW_EVENT;
  actions: TypeCreate[] = [];
  private filter: EventFilters = NO_FILTERS;
  /**
   * authentik's EventsFilter has no date filter, so its client has no parameter for one:
   * Tessera's `created__gte`/`created__lt` (docs/compatibility.md) are added to the list's URL.
   */
  private readonly api = new EventsApi(configuration).withPreMiddleware(async ({ url, init }) => {
    const range = new URLSearchParams();
    if (this.filter.from) range.set('created__gte', startOfDay(this.filter.from));
    if (this.filter.to) range.set('created__lt', startOfDay(this.filter.to, 1));
    if (range.size === 0 || !url.includes('/events/events/?')) return { url, init };
    return { url: `${url}&${range.toString()}`, init };
  });

  override connectedCallback(): void {
    super.connectedCallback();
    eventsApi
      .eventsEventsActionsList()
      .then((actions) => (this.actions = actions))
      .catch(() => undefined);
  }

  protected fetch(query: TableQuery) {
    const f = this.filter;
    return this.api.eventsEventsList({
      search: query.search || undefined,
      actions: f.action ? [f.action as EventActions] : undefined,
      username: f.username || undefined,
      contextModelApp: f.app || undefined,
      contextModelName: f.model || undefined,
      ordering: query.ordering || '-created',
      page: query.page,
      pageSize: this.pageSize,
    });
  }

  protected columns() {
    return [
      {
        label: 'Action',
        sortKey: 'action',
        render: (e: Event) => html`<a href="#/events/${e.pk}">${e.action}</a>`,
      },
      { label: 'User', sortKey: 'user', render: eventUser },
      { label: 'Object', render: eventObject },
      { label: 'Client IP', sortKey: 'client_ip', render: (e: Event) => e.clientIp ?? '—' },
      { label: 'When', sortKey: 'created', render: (e: Event) => when(e.created) },
    ];
  }

  private applyFilters(event: SubmitEvent): void {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const read = (name: string) => String(data.get(name) ?? '').trim();
    this.filter = {
      action: read('action'),
      username: read('username'),
      app: read('app'),
      model: read('model'),
      from: read('from'),
      to: read('to'),
    };
    this.query = { ...this.query, page: 1 };
    void this.load();
  }

  private input(id: string, name: keyof EventFilters, label: string, type = 'text', placeholder = '') {
    return html`<div class="pf-v6-c-form__group">
      <label class="pf-v6-c-form__label" for=${id}
        ><span class="pf-v6-c-form__label-text">${label}</span></label
      >
      <span class="pf-v6-c-form-control"
        ><input
          id=${id}
          name=${name}
          type=${type}
          placeholder=${placeholder || nothing}
          .value=${this.filter[name]}
      /></span>
    </div>`;
  }

  protected override intro() {
    return html`<form
      class="pf-v6-c-form ak-filters pf-v6-u-mb-md"
      aria-label="Filter events"
      @submit=${(e: SubmitEvent) => this.applyFilters(e)}
    >
      <div class="pf-v6-c-form__group">
        <label class="pf-v6-c-form__label" for="events-action"
          ><span class="pf-v6-c-form__label-text">Action</span></label
        >
        <span class="pf-v6-c-form-control"
          ><select id="events-action" name="action">
            <option value="">Any action</option>
            ${this.actions.map((a) => html`<option value=${a.component} ?selected=${a.component === this.filter.action}>${a.name}</option>`)}
          </select></span
        >
      </div>
      ${this.input('events-user', 'username', 'User')}
      ${this.input('events-app', 'app', 'Object app', 'text', 'authentik_core')}
      ${this.input('events-model', 'model', 'Object model', 'text', 'user')}
      ${this.input('events-from', 'from', 'From (day)', 'date')}
      ${this.input('events-to', 'to', 'To (day)', 'date')}
      <div class="pf-v6-c-form__actions">
        <button class="pf-v6-c-button pf-m-secondary" type="submit">
          <span class="pf-v6-c-button__text">Filter</span>
        </button>
      </div>
    </form>`;
  }
}

/** One event (`#/events/<pk>`): who, what, when, from where, and its context as JSON. */
export class EventPage extends DetailScreen {
  static override properties = { ...DetailScreen.properties, event: { state: true } };

  readonly back: [string, string] = ['events', 'All events'];
  event: Event | undefined = undefined;

  async load(): Promise<void> {
    try {
      this.event = await eventsApi.eventsEventsRetrieve({ eventUuid: this.param });
    } catch (error) {
      this.problem = await problemText(error, VIEW_EVENT);
    }
  }

  protected headingText() {
    return `Event ${this.event?.action ?? ''}`;
  }

  protected content() {
    const event = this.event;
    if (!event) return this.problem ? nothing : html`<p role="status">Loading…</p>`;
    const facts: [string, string][] = [
      ['Action', event.action],
      ['User', eventUser(event)],
      ['Object', eventObject(event)],
      ['App', event.app],
      ['Client IP', event.clientIp ?? '—'],
      ['When', when(event.created)],
      ['Kept until', when(event.expires)],
    ];
    return html`<dl class="pf-v6-c-description-list pf-m-horizontal pf-v6-u-mb-lg">
        ${facts.map(
          ([term, value]) =>
            html`<div class="pf-v6-c-description-list__group">
              <dt class="pf-v6-c-description-list__term">${term}</dt>
              <dd class="pf-v6-c-description-list__description">${value}</dd>
            </div>`,
        )}
      </dl>
      <h2 class="pf-v6-c-title pf-m-lg pf-v6-u-mb-sm" id="event-context-title">Context</h2>
      <div class="pf-v6-c-code-block">
        <div class="pf-v6-c-code-block__content">
          <pre class="pf-v6-c-code-block__pre" tabindex="0" aria-labelledby="event-context-title"><code
            class="pf-v6-c-code-block__code"
          >${JSON.stringify(event.context ?? {}, null, 2)}</code></pre>
        </div>
      </div>`;
  }
}

customElements.define('ak-events-page', EventsPage);
customElements.define('ak-event-page', EventPage);
