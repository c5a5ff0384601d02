/**
 * What the users, groups, roles, tokens and audit-log screens share on top of the shell's
 * components: a list screen around `<ak-table>`, and refusals that name the permission the
 * action needs.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { ResponseError, type Pagination } from '@goauthentik/api';
import { describeError } from '../api.js';
import { LightElement } from '../components/light-element.js';
import type { Column, TableQuery } from '../components/table.js';
import '../components/alert.js';
import '../components/modal-form.js';
import '../components/table.js';

/** DRF's PermissionDenied message, which names no permission. */
const GENERIC_REFUSAL = 'You do not have permission to perform this action.';

/**
 * authentik answers a missing permission with DRF's generic 403; the screen knows which
 * permission its action needs (authentik's `app_label.codename`, as the role editor lists
 * them), so the refusal a person reads names it. A refusal the server explains itself (e.g.
 * "you cannot give a permission you do not hold") is kept as it is.
 */
export async function namingPermission(error: unknown, permission: string): Promise<unknown> {
  if (!(error instanceof ResponseError) || error.response.status !== 403) return error;
  const body: unknown = await error.response
    .clone()
    .json()
    .catch(() => undefined);
  if ((body as { detail?: unknown } | undefined)?.detail !== GENERIC_REFUSAL) return error;
  return jsonError(403, {
    detail: `this needs the permission ${permission}. An administrator can give it to you through a role.`,
  });
}

function jsonError(status: number, body: unknown): ResponseError {
  const response = new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
  return new ResponseError(response, JSON.stringify(body));
}

/**
 * A check the screen makes before asking the server (two passwords that differ), thrown in the
 * API's own error shape so that `<ak-modal-form>` shows it beside its field like the server's.
 */
export function invalid(field: string, message: string): ResponseError {
  return jsonError(400, { [field]: [message] });
}

/** Does `action`; a generic refusal is rethrown naming `permission` (for ak-modal-form's submit). */
export async function needing<T>(permission: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw await namingPermission(error, permission);
  }
}

/** The sentence a person reads for a failed action. */
export async function problemText(error: unknown, permission: string): Promise<string> {
  return (await describeError(await namingPermission(error, permission))).message;
}

/** A date and time in the reader's locale, or a dash. */
export function when(value: Date | null | undefined): string {
  return value ? value.toLocaleString() : '—';
}

/** A small action button in a table row, named with the row it acts on. */
export function rowButton(label: string, object: string, onClick: () => void): TemplateResult {
  return html`<button
    class="pf-v6-c-button pf-m-secondary pf-m-small ak-row-action"
    type="button"
    aria-label="${label} ${object}"
    @click=${onClick}
  >
    <span class="pf-v6-c-button__text">${label}</span>
  </button>`;
}

/** A primary button for a screen's toolbar. */
export function toolbarButton(label: string, onClick: () => void): TemplateResult {
  return html`<div class="pf-v6-c-toolbar__item">
    <button class="pf-v6-c-button pf-m-primary" type="button" @click=${onClick}>
      <span class="pf-v6-c-button__text">${label}</span>
    </button>
  </div>`;
}

/** authentik's list response. */
export interface Paginated<T> {
  pagination: Pagination;
  results: T[];
}

/**
 * What every screen here has: the outcome of the last action shown in `<ak-alert>` (success
 * announced politely, a failure as an alert), and `load()` to show the data again after it.
 */
abstract class Screen extends LightElement {
  static override properties = { message: { state: true }, problem: { state: true } };

  message = '';
  problem = '';

  abstract load(): Promise<void>;

  /** Runs a write from a button: success shows `done`, a refusal names `permission`. */
  protected async act(permission: string, done: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
      await this.done(done);
    } catch (error) {
      this.message = '';
      this.problem = await problemText(error, permission);
    }
  }

  /** A write has succeeded (a modal form's too): the message, and the data again. */
  protected async done(message: string): Promise<void> {
    this.message = message;
    this.problem = '';
    await this.load();
  }

  protected alerts() {
    return html`<ak-alert variant="success" .message=${this.message}></ak-alert>
      <ak-alert variant="danger" .message=${this.problem}></ak-alert>`;
  }
}

/**
 * A screen of one object at `#/<list>/<param>`: a link back to the list, its heading and
 * alerts, and the object loaded whenever the address names another.
 */
export abstract class DetailScreen extends Screen {
  static override properties = { ...Screen.properties, param: { type: String } };

  param = '';
  /** The list's address and name, for the link back. */
  abstract readonly back: [hash: string, label: string];

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('param') && this.param) void this.load();
  }

  protected abstract headingText(): string;
  protected abstract content(): unknown;

  override render() {
    return html`<section class="pf-v6-c-page__main-section">
      <a href="#/${this.back[0]}">${this.back[1]}</a>
      <h1 class="pf-v6-c-title pf-m-2xl pf-v6-u-mb-md">${this.headingText()}</h1>
      ${this.alerts()} ${this.content()}
    </section>`;
  }
}

/**
 * A screen with one list: it loads pages through `fetch` as `<ak-table>` asks
 * (search, ordering, page).
 */
export abstract class ListScreen<T> extends Screen {
  static override properties = {
    ...Screen.properties,
    rows: { state: true },
    pagination: { state: true },
    loading: { state: true },
  };

  rows: T[] = [];
  pagination: Pagination | undefined = undefined;
  loading = true;
  protected query: TableQuery = { search: '', ordering: '', page: 1 };
  protected readonly pageSize = 20;
  /** The screen's heading and the permission viewing its list needs. */
  abstract readonly heading: string;
  abstract readonly viewPermission: string;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  protected abstract fetch(query: TableQuery): Promise<Paginated<T>>;
  protected abstract columns(): Column<T>[];

  async load(): Promise<void> {
    this.loading = true;
    try {
      const list = await this.fetch(this.query);
      this.rows = list.results;
      this.pagination = list.pagination;
    } catch (error) {
      this.problem = await problemText(error, this.viewPermission);
    } finally {
      this.loading = false;
    }
  }

  private onQuery(event: CustomEvent<TableQuery>): void {
    this.query = event.detail;
    void this.load();
  }

  /** Toolbar items beside the search box. */
  protected toolbar(): TemplateResult | undefined {
    return undefined;
  }

  /** Content between the alerts and the table (filters). */
  protected intro(): unknown {
    return nothing;
  }

  /** The screen's modals. */
  protected modals(): unknown {
    return nothing;
  }

  override render() {
    return html`<section class="pf-v6-c-page__main-section">
      <h1 class="pf-v6-c-title pf-m-2xl pf-v6-u-mb-md">${this.heading}</h1>
      ${this.alerts()} ${this.intro()}
      <ak-table
        .label=${this.heading}
        .columns=${this.columns()}
        .rows=${this.rows}
        .pagination=${this.pagination}
        .loading=${this.loading}
        .search=${this.query.search}
        .ordering=${this.query.ordering}
        .toolbar=${this.toolbar()}
        @ak-table-query=${(event: CustomEvent<TableQuery>) => this.onQuery(event)}
      ></ak-table>
      ${this.modals()}
    </section>`;
  }
}

/** A table of a detail screen's related objects (members, permissions), with its caption. */
export function smallTable<T>(caption: string, columns: Column<T>[], rows: T[]) {
  return html`<table class="pf-v6-c-table pf-m-grid-md">
    <caption class="pf-v6-screen-reader">
      ${caption}
    </caption>
    <thead class="pf-v6-c-table__thead">
      <tr class="pf-v6-c-table__tr">
        ${columns.map((column) => html`<th scope="col">${column.label}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (row) =>
          html`<tr class="pf-v6-c-table__tr">
            ${columns.map((column) => html`<td data-label=${column.label}>${column.render(row)}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}
