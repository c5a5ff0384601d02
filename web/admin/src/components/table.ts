/**
 * `<ak-table>`: a PatternFly table for one page of an authentik list endpoint: a search box,
 * sortable column headers (authentik's `ordering`, `-field` for descending), pagination from
 * the response's `pagination` object, and loading and empty states. It does not fetch: it
 * emits `ak-table-query` ({search, ordering, page}) and the page answers with new rows.
 * Rows may have a detail row (`detail`), shown under the row by its toggle; a hidden detail
 * row stays hidden at every width.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { Pagination } from '@goauthentik/api';
import { LightElement, emit } from './light-element.js';

export interface Column<T> {
  label: string;
  /** The API's ordering field; the header is a sort button when given. */
  sortKey?: string;
  render: (row: T) => TemplateResult | string | number;
}

export interface TableQuery {
  search: string;
  ordering: string;
  page: number;
}

let counter = 0;

export class AkTable<T> extends LightElement {
  static override properties = {
    label: { type: String },
    columns: { attribute: false },
    rows: { attribute: false },
    pagination: { attribute: false },
    loading: { type: Boolean },
    searchable: { type: Boolean },
    search: { type: String },
    ordering: { type: String },
    emptyText: { type: String },
    detail: { attribute: false },
    rowKey: { attribute: false },
    toolbar: { attribute: false },
    expanded: { state: true },
  };
  /** The table's accessible name (its caption). */
  label = '';
  columns: Column<T>[] = [];
  rows: T[] = [];
  pagination: Pagination | undefined = undefined;
  loading = false;
  searchable = true;
  search = '';
  ordering = '';
  emptyText = 'Nothing here yet.';
  detail: ((row: T) => TemplateResult) | undefined = undefined;
  rowKey: (row: T) => string = (row) => String((row as { pk?: unknown }).pk);
  /** Extra toolbar items (filters, a create button) beside the search box. */
  toolbar: TemplateResult | undefined = undefined;
  expanded = new Set<string>();
  private readonly uid = `ak-table-${++counter}`;

  private query(change: Partial<TableQuery>) {
    const query: TableQuery = { search: this.search, ordering: this.ordering, page: 1, ...change };
    this.search = query.search;
    this.ordering = query.ordering;
    emit(this, 'ak-table-query', query);
  }

  private sort(key: string) {
    this.query({ ordering: this.ordering === key ? `-${key}` : key });
  }

  private toggle(key: string) {
    const expanded = new Set(this.expanded);
    if (expanded.has(key)) expanded.delete(key);
    else expanded.add(key);
    this.expanded = expanded;
  }

  private header(column: Column<T>) {
    if (!column.sortKey) return html`<th scope="col">${column.label}</th>`;
    const key = column.sortKey;
    const direction =
      this.ordering === key ? 'ascending' : this.ordering === `-${key}` ? 'descending' : 'none';
    return html`<th
      scope="col"
      class="pf-v6-c-table__sort ${direction === 'none' ? '' : 'pf-m-selected'}"
      aria-sort=${direction}
    >
      <button class="pf-v6-c-table__button" type="button" @click=${() => this.sort(key)}>
        <div class="pf-v6-c-table__button-content">
          <span class="pf-v6-c-table__text">${column.label}</span>
          <span class="pf-v6-c-table__sort-indicator" aria-hidden="true"
            >${direction === 'ascending' ? '▲' : direction === 'descending' ? '▼' : '⇅'}</span
          >
        </div>
      </button>
    </th>`;
  }

  private renderRows() {
    const span = this.columns.length + (this.detail ? 1 : 0);
    if (this.loading && this.rows.length === 0) {
      return html`<tbody>
        <tr>
          <td colspan=${span}>
            <div class="pf-v6-l-bullseye" role="status">
              <span
                class="pf-v6-c-spinner pf-m-lg"
                role="progressbar"
                aria-label="Loading"
                aria-valuetext="Loading…"
              ></span>
              <span class="pf-v6-u-ml-sm">Loading…</span>
            </div>
          </td>
        </tr>
      </tbody>`;
    }
    if (this.rows.length === 0) {
      return html`<tbody>
        <tr>
          <td colspan=${span}>
            <div class="pf-v6-c-empty-state pf-m-sm">
              <div class="pf-v6-c-empty-state__content">
                <div class="pf-v6-c-empty-state__body">
                  ${this.search ? 'No results match the search.' : this.emptyText}
                </div>
              </div>
            </div>
          </td>
        </tr>
      </tbody>`;
    }
    return this.rows.map((row) => {
      const key = this.rowKey(row);
      const open = this.expanded.has(key);
      const detailId = `${this.uid}-detail-${key}`;
      return html`<tbody class=${open ? 'pf-m-expanded' : ''}>
        <tr class="pf-v6-c-table__tr">
          ${
            this.detail
              ? html`<td class="pf-v6-c-table__toggle">
                  <button
                    class="pf-v6-c-button pf-m-plain ${open ? 'pf-m-expanded' : ''}"
                    type="button"
                    aria-expanded=${open ? 'true' : 'false'}
                    aria-controls=${detailId}
                    aria-label="Details"
                    @click=${() => this.toggle(key)}
                  >
                    <span class="pf-v6-c-table__toggle-icon" aria-hidden="true">${open ? '▾' : '▸'}</span>
                  </button>
                </td>`
              : nothing
          }
          ${this.columns.map((column) => html`<td data-label=${column.label}>${column.render(row)}</td>`)}
        </tr>
        ${
          this.detail
            ? html`<tr
                class="pf-v6-c-table__tr pf-v6-c-table__expandable-row ${open ? 'pf-m-expanded' : ''}"
                id=${detailId}
                ?hidden=${!open}
              >
                <td colspan=${span}>
                  <div class="pf-v6-c-table__expandable-row-content">
                    ${open ? this.detail(row) : nothing}
                  </div>
                </td>
              </tr>`
            : nothing
        }
      </tbody>`;
    });
  }

  private renderPagination() {
    const p = this.pagination;
    if (!p) return nothing;
    const range = p.count === 0 ? '0' : `${p.startIndex}–${p.endIndex} of ${p.count}`;
    return html`<nav class="pf-v6-c-pagination pf-m-compact" aria-label="${this.label} pagination">
      <div class="pf-v6-c-pagination__total-items">${range}</div>
      <div class="pf-v6-c-pagination__nav">
        <div class="pf-v6-c-pagination__nav-control">
          <button
            class="pf-v6-c-button pf-m-plain"
            type="button"
            aria-label="Previous page"
            ?disabled=${!p.previous}
            @click=${() => this.query({ page: p.previous })}
          >
            ‹
          </button>
        </div>
        <span class="pf-v6-u-px-sm">Page ${p.current} of ${Math.max(p.totalPages, 1)}</span>
        <div class="pf-v6-c-pagination__nav-control">
          <button
            class="pf-v6-c-button pf-m-plain"
            type="button"
            aria-label="Next page"
            ?disabled=${!p.next}
            @click=${() => this.query({ page: p.next })}
          >
            ›
          </button>
        </div>
      </div>
    </nav>`;
  }

  override render() {
    const searchId = `${this.uid}-search`;
    return html`<div class="pf-v6-c-toolbar">
        <div class="pf-v6-c-toolbar__content">
          <div class="pf-v6-c-toolbar__content-section">
            ${
              this.searchable
                ? html`<div class="pf-v6-c-toolbar__item pf-m-search-filter">
                    <form
                      role="search"
                      @submit=${(event: Event) => {
                        event.preventDefault();
                        const input = (event.target as HTMLFormElement).querySelector('input');
                        this.query({ search: input?.value ?? '' });
                      }}
                    >
                      <label class="pf-v6-screen-reader" for=${searchId}>Search ${this.label}</label>
                      <span class="pf-v6-c-form-control"
                        ><input id=${searchId} type="search" placeholder="Search" .value=${this.search}
                      /></span>
                    </form>
                  </div>`
                : nothing
            }
            ${this.toolbar ?? nothing}
            <div class="pf-v6-c-toolbar__item pf-m-pagination">${this.renderPagination()}</div>
          </div>
        </div>
      </div>
      <table
        class="pf-v6-c-table pf-m-grid-md ${this.detail ? 'pf-m-expandable' : ''}"
        aria-busy=${this.loading ? 'true' : 'false'}
      >
        <caption class="pf-v6-screen-reader">
          ${this.label}
        </caption>
        <thead class="pf-v6-c-table__thead">
          <tr class="pf-v6-c-table__tr">
            ${this.detail ? html`<td></td>` : nothing} ${this.columns.map((column) => this.header(column))}
          </tr>
        </thead>
        ${this.renderRows()}
      </table>`;
  }
}
customElements.define('ak-table', AkTable);
