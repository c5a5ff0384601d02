/**
 * `<ak-invitations-page>`: the invitation list (search, status and flow filters, sorting,
 * pagination, each with its status and uses), creating one or many (Tessera's `bulk/`, whose
 * links are offered as a CSV download), editing, revoking, deleting, copying an invitation's
 * link and sending it by email. The filters live in the address
 * (`#/invitations?status=used_up`), so the overview's counts link to them.
 */
import { html, nothing } from 'lit';
import { stagesApi } from '../api.js';
import { ListPage } from '../components/list-page.js';
import { invitationFormBody, readInvitationForm } from '../components/invitation-form.js';
import { bulkFormBody, readBulkForm } from '../components/invitation-bulk-form.js';
import type { Column, TableQuery } from '../components/table.js';
import { hashQuery, replaceHashQuery } from '../router.js';
import {
  STATUS_LABELS,
  bulkCreateInvitations,
  bulkCsv,
  invitationLink,
  invitationStatus,
  listInvitations,
  revokeInvitation,
  saveInvitation,
  usesText,
  type InvitationPage,
  type InvitationStatus,
  type TesseraInvitation,
} from '../invitations.js';
import '../components/alert.js';
import '../components/copy-button.js';
import '../components/modal-form.js';
import '../components/table.js';
import './invitation-send-email.js';

const STATUS_COLORS: Record<InvitationStatus, string> = {
  active: 'pf-m-green',
  used_up: 'pf-m-blue',
  expired: 'pf-m-orange',
  revoked: 'pf-m-red',
};

export function statusLabel(invitation: TesseraInvitation) {
  const status = invitationStatus(invitation);
  return html`<span class="pf-v6-c-label ${STATUS_COLORS[status]} ak-status"
    ><span class="pf-v6-c-label__content"
      ><span class="pf-v6-c-label__text">${STATUS_LABELS[status]}</span></span
    ></span
  >`;
}

export function formatDate(date: Date | null | undefined): string {
  return date ? date.toLocaleString() : 'Never';
}

export class AkInvitationsPage extends ListPage<InvitationPage> {
  static override properties = {
    search: { state: true },
    ordering: { state: true },
    status: { state: true },
    flowSlug: { state: true },
    pageNumber: { state: true },
    editing: { state: true },
    sending: { state: true },
    bulkOpen: { state: true },
    bulkCsvUrl: { state: true },
  };
  search = '';
  ordering = '-expires';
  status = '';
  flowSlug = '';
  pageNumber = 1;
  /** The invitation in the form: null for a new one, undefined when the form is closed. */
  editing: TesseraInvitation | null | undefined = undefined;
  sending: TesseraInvitation | undefined = undefined;
  bulkOpen = false;
  /** The links of the last bulk creation, as a CSV file to download. */
  bulkCsvUrl = '';

  override disconnectedCallback() {
    super.disconnectedCallback();
    if (this.bulkCsvUrl) URL.revokeObjectURL(this.bulkCsvUrl);
  }

  override connectedCallback() {
    const query = hashQuery();
    this.search = query.get('search') ?? '';
    this.ordering = query.get('ordering') ?? this.ordering;
    this.status = query.get('status') ?? '';
    this.flowSlug = query.get('flow') ?? '';
    super.connectedCallback();
  }

  protected fetchPage() {
    replaceHashQuery({
      search: this.search,
      ordering: this.ordering === '-expires' ? undefined : this.ordering,
      status: this.status,
      flow: this.flowSlug,
    });
    return listInvitations({
      search: this.search || undefined,
      ordering: this.ordering,
      flowSlug: this.flowSlug || undefined,
      status: (this.status || undefined) as InvitationStatus | undefined,
      page: this.pageNumber,
      pageSize: 20,
    });
  }

  private onQuery(event: CustomEvent<TableQuery>) {
    this.search = event.detail.search;
    this.ordering = event.detail.ordering;
    this.pageNumber = event.detail.page;
    void this.reload();
  }

  private deleteInvitation(invitation: TesseraInvitation) {
    return this.confirmDelete(
      `Delete the invitation ${invitation.name}? Its link stops working.`,
      invitation.name,
      () => stagesApi.stagesInvitationInvitationsDestroy({ inviteUuid: invitation.pk }),
    );
  }

  /** Asks, then revokes: the link stops working, the invitation stays listed as revoked. */
  private async revoke(invitation: TesseraInvitation) {
    if (
      !confirm(`Revoke the invitation ${invitation.name}? Its link stops working at once; it stays listed.`)
    ) {
      return;
    }
    await this.attempt(() => revokeInvitation(invitation.pk), `Revoked ${invitation.name}.`);
    await this.reload();
  }

  private async bulkCreate(form: HTMLFormElement) {
    const items = await bulkCreateInvitations(readBulkForm(form));
    if (this.bulkCsvUrl) URL.revokeObjectURL(this.bulkCsvUrl);
    this.bulkCsvUrl = URL.createObjectURL(new Blob([bulkCsv(items)], { type: 'text/csv' }));
    this.notice = `Created ${items.length} invitation${items.length === 1 ? '' : 's'}.`;
    await this.reload();
  }

  private columns(): Column<TesseraInvitation>[] {
    return [
      {
        label: 'Name',
        sortKey: 'name',
        render: (row) => html`<a href="#/invitations/${row.pk}">${row.name}</a>`,
      },
      { label: 'Flow', render: (row) => row.flowObj?.slug ?? '—' },
      { label: 'Status', sortKey: 'status', render: (row) => statusLabel(row) },
      { label: 'Uses', sortKey: 'uses', render: (row) => usesText(row) },
      { label: 'Expires', sortKey: 'expires', render: (row) => formatDate(row.expires) },
      { label: 'Created by', render: (row) => row.createdBy?.username ?? '' },
      {
        label: 'Actions',
        render: (row) =>
          html`<div class="pf-v6-l-flex pf-m-nowrap">
            <button
              class="pf-v6-c-button pf-m-secondary pf-m-small"
              type="button"
              aria-label="Edit ${row.name}"
              @click=${() => (this.editing = row)}
            >
              Edit
            </button>
            <button
              class="pf-v6-c-button pf-m-secondary pf-m-small"
              type="button"
              aria-label="Send ${row.name} by email"
              ?disabled=${!row.flowObj}
              @click=${() => (this.sending = row)}
            >
              Send
            </button>
            <button
              class="pf-v6-c-button pf-m-secondary pf-m-small"
              type="button"
              aria-label="Revoke ${row.name}"
              ?disabled=${row.status === 'revoked'}
              @click=${() => this.revoke(row)}
            >
              Revoke
            </button>
            <button
              class="pf-v6-c-button pf-m-danger pf-m-small"
              type="button"
              aria-label="Delete ${row.name}"
              @click=${() => this.deleteInvitation(row)}
            >
              Delete
            </button>
          </div>`,
      },
    ];
  }

  private detail(row: TesseraInvitation) {
    const link = invitationLink(row);
    return html`${
        link
          ? html`<ak-copy-button label="Link to use ${row.name}" .value=${link}></ak-copy-button>`
          : html`<p>
              No flow is set, so there is no link: any enrollment flow's invitation stage accepts it.
            </p>`
      }
      <dl class="pf-v6-c-description-list pf-m-horizontal pf-v6-u-mt-md">
        <div class="pf-v6-c-description-list__group">
          <dt class="pf-v6-c-description-list__term">Fixed data</dt>
          <dd class="pf-v6-c-description-list__description">
            <pre>${JSON.stringify(row.fixedData ?? {}, null, 2)}</pre>
          </dd>
        </div>
      </dl>`;
  }

  private toolbar() {
    return html`<div class="pf-v6-c-toolbar__item">
        <label class="pf-v6-screen-reader" for="invitation-status-filter">Status</label>
        <span class="pf-v6-c-form-control"
          ><select
            id="invitation-status-filter"
            @change=${(event: Event) => {
              this.status = (event.target as HTMLSelectElement).value;
              this.pageNumber = 1;
              void this.reload();
            }}
          >
            <option value="" ?selected=${this.status === ''}>Any status</option>
            ${(Object.keys(STATUS_LABELS) as InvitationStatus[]).map(
              (status) =>
                html`<option value=${status} ?selected=${this.status === status}>
                  ${STATUS_LABELS[status]}
                </option>`,
            )}
          </select></span
        >
      </div>
      <div class="pf-v6-c-toolbar__item">
        <label class="pf-v6-screen-reader" for="invitation-flow-filter">Flow slug</label>
        <span class="pf-v6-c-form-control"
          ><input
            id="invitation-flow-filter"
            type="search"
            placeholder="Flow slug"
            .value=${this.flowSlug}
            @change=${(event: Event) => {
              this.flowSlug = (event.target as HTMLInputElement).value.trim();
              this.pageNumber = 1;
              void this.reload();
            }}
        /></span>
      </div>
      <div class="pf-v6-c-toolbar__item">
        <button class="pf-v6-c-button pf-m-primary" type="button" @click=${() => (this.editing = null)}>
          Create invitation
        </button>
      </div>
      <div class="pf-v6-c-toolbar__item">
        <button class="pf-v6-c-button pf-m-secondary" type="button" @click=${() => (this.bulkOpen = true)}>
          Bulk create
        </button>
      </div>`;
  }

  override render() {
    return html`<section class="pf-v6-c-page__main-section">
        <h1 class="pf-v6-c-title pf-m-2xl">Invitations</h1>
        <p>Links that let a person enroll through an enrollment flow, with data fixed in advance.</p>
      </section>
      <section class="pf-v6-c-page__main-section">
        <ak-alert variant="danger" .message=${this.error}></ak-alert>
        <ak-alert variant="success" .message=${this.notice}></ak-alert>
        ${
          this.bulkCsvUrl
            ? html`<p class="pf-v6-u-my-sm">
                <a class="pf-v6-c-button pf-m-link" href=${this.bulkCsvUrl} download="invitations.csv"
                  >Download the links (CSV: name, email, link)</a
                >
              </p>`
            : nothing
        }
        <ak-table
          label="Invitations"
          .columns=${this.columns()}
          .rows=${this.page?.results ?? []}
          .pagination=${this.page?.pagination}
          .loading=${this.loading}
          .search=${this.search}
          .ordering=${this.ordering}
          .detail=${(row: TesseraInvitation) => this.detail(row)}
          .toolbar=${this.toolbar()}
          emptyText="No invitations yet."
          @ak-table-query=${this.onQuery}
        ></ak-table>
      </section>
      <ak-modal-form
        heading=${this.editing ? `Edit ${this.editing.name}` : 'Create invitation'}
        submitLabel=${this.editing ? 'Save' : 'Create'}
        .open=${this.editing !== undefined}
        .body=${(errors: Record<string, string[]>) => invitationFormBody(this.editing ?? undefined, errors)}
        .submit=${async (form: HTMLFormElement) => {
          const { request, extensions } = readInvitationForm(form);
          const saved = await saveInvitation(this.editing?.pk, request, extensions);
          this.notice = `${this.editing ? 'Saved' : 'Created'} ${saved.name}.`;
          await this.reload();
        }}
        @ak-close=${() => (this.editing = undefined)}
      ></ak-modal-form>
      <ak-modal-form
        heading="Bulk create invitations"
        submitLabel="Create"
        .open=${this.bulkOpen}
        .body=${(errors: Record<string, string[]>) => bulkFormBody(errors)}
        .submit=${(form: HTMLFormElement) => this.bulkCreate(form)}
        @ak-close=${() => (this.bulkOpen = false)}
      ></ak-modal-form>
      ${
        this.sending
          ? html`<ak-invitation-send-email
              .invitation=${this.sending}
              @ak-close=${() => (this.sending = undefined)}
            ></ak-invitation-send-email>`
          : nothing
      }`;
  }
}
customElements.define('ak-invitations-page', AkInvitationsPage);
