/**
 * `<ak-invitation-page>` (`#/invitations/<pk>`): one invitation's settings, link, timeline
 * (Tessera's `timeline/`: created, edited, sent, opened, refused, used, expired, revoked), usage
 * record (who enrolled, when, from where: Tessera's `uses/`) and audit history (events whose
 * model is this invitation), with edit, send and revoke.
 */
import { html, nothing } from 'lit';
import type { Event as AuditEvent, Pagination } from '@goauthentik/api';
import { describeError, eventsApi } from '../api.js';
import { LightElement } from '../components/light-element.js';
import { invitationFormBody, readInvitationForm } from '../components/invitation-form.js';
import type { Column, TableQuery } from '../components/table.js';
import {
  getInvitation,
  invitationLink,
  invitationTimeline,
  listInvitationUses,
  revokeInvitation,
  saveInvitation,
  usesText,
  type InvitationUse,
  type TesseraInvitation,
  type TimelineEntry,
} from '../invitations.js';
import { formatDate, statusLabel } from './invitations-page.js';
import '../components/alert.js';
import '../components/copy-button.js';
import '../components/modal-form.js';
import '../components/table.js';
import './invitation-send-email.js';

export class AkInvitationPage extends LightElement {
  static override properties = {
    param: { type: String },
    invitation: { state: true },
    uses: { state: true },
    events: { state: true },
    timeline: { state: true },
    error: { state: true },
    notice: { state: true },
    editing: { state: true },
    sending: { state: true },
  };
  /** The invitation's pk, from the address. */
  param = '';
  invitation: TesseraInvitation | undefined = undefined;
  uses: { pagination: Pagination; results: InvitationUse[] } | undefined = undefined;
  events: { pagination: Pagination; results: AuditEvent[] } | undefined = undefined;
  timeline: TimelineEntry[] | undefined = undefined;
  error = '';
  notice = '';
  editing = false;
  sending = false;

  override connectedCallback() {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    try {
      this.invitation = await getInvitation(this.param);
      await Promise.all([this.loadUses(1), this.loadEvents(1), this.loadTimeline()]);
    } catch (error) {
      this.error = (await describeError(error)).message;
    }
  }

  private async loadTimeline() {
    this.timeline = await invitationTimeline(this.param);
  }

  private async revoke(invitation: TesseraInvitation) {
    if (!confirm(`Revoke the invitation ${invitation.name}? Its link stops working at once.`)) return;
    try {
      this.invitation = await revokeInvitation(invitation.pk);
      this.error = '';
      this.notice = `Revoked ${invitation.name}.`;
      await Promise.all([this.loadEvents(1), this.loadTimeline()]);
    } catch (error) {
      this.error = (await describeError(error)).message;
    }
  }

  private async loadUses(page: number) {
    this.uses = await listInvitationUses(this.param, page);
  }

  private async loadEvents(page: number) {
    this.events = await eventsApi.eventsEventsList({
      contextModelPk: this.param,
      ordering: '-created',
      page,
      pageSize: 10,
    });
  }

  private readonly useColumns: Column<InvitationUse>[] = [
    // A use outlives its user (the record keeps the name), so only a user who exists is a link.
    {
      label: 'User',
      render: (use) =>
        use.user === null ? use.username : html`<a href="#/users/${use.user}">${use.username}</a>`,
    },
    { label: 'When', render: (use) => formatDate(new Date(use.used)) },
    { label: 'From', render: (use) => use.client_ip ?? '—' },
  ];

  private readonly eventColumns: Column<AuditEvent>[] = [
    { label: 'Action', render: (event) => html`<a href="#/events/${event.pk}">${event.action}</a>` },
    {
      label: 'By',
      render: (event) => String((event.user as { username?: string } | undefined)?.username ?? '—'),
    },
    { label: 'When', render: (event) => formatDate(event.created) },
    { label: 'From', render: (event) => event.clientIp ?? '—' },
  ];

  private readonly timelineColumns: Column<TimelineEntry>[] = [
    { label: 'What', render: (entry) => TIMELINE_LABELS[entry.kind] },
    { label: 'When', render: (entry) => formatDate(new Date(entry.at)) },
    { label: 'By', render: (entry) => entry.actor?.username ?? '—' },
    { label: 'Details', render: (entry) => timelineDetail(entry) },
  ];

  private renderSummary(invitation: TesseraInvitation) {
    const link = invitationLink(invitation);
    const row = (term: string, value: unknown) =>
      html`<div class="pf-v6-c-description-list__group">
        <dt class="pf-v6-c-description-list__term">${term}</dt>
        <dd class="pf-v6-c-description-list__description">${value}</dd>
      </div>`;
    return html`<dl class="pf-v6-c-description-list pf-m-horizontal pf-m-2-col-on-lg">
        ${row('Status', statusLabel(invitation))} ${row('Uses', usesText(invitation))}
        ${row('Flow', invitation.flowObj ? html`<a href="#/flows/${invitation.flowObj.slug}">${invitation.flowObj.slug}</a>` : '—')}
        ${row('Expires', formatDate(invitation.expires))}
        ${row('Single use', invitation.singleUse ? 'Yes' : 'No')}
        ${row('Created by', invitation.createdBy?.username ?? '')}
        ${row('Fixed data', html`<pre>${JSON.stringify(invitation.fixedData ?? {}, null, 2)}</pre>`)}
        ${row('Groups given', invitation.groupNames.join(', ') || '—')}
        ${row('Roles given', invitation.roleNames.join(', ') || '—')}
        ${row('Only for', invitation.email ?? (invitation.emailDomains ? invitation.emailDomains.map((d) => `@${d}`).join(', ') : 'anyone with the link'))}
      </dl>
      <div class="pf-v6-u-mt-md">
        ${link ? html`<ak-copy-button label="Link to use the invitation" .value=${link}></ak-copy-button>` : nothing}
      </div>`;
  }

  override render() {
    const invitation = this.invitation;
    return html`<section class="pf-v6-c-page__main-section">
        <nav class="pf-v6-c-breadcrumb" aria-label="Breadcrumb">
          <ol class="pf-v6-c-breadcrumb__list" role="list">
            <li class="pf-v6-c-breadcrumb__item">
              <a class="pf-v6-c-breadcrumb__link" href="#/invitations">Invitations</a>
            </li>
          </ol>
        </nav>
        <h1 class="pf-v6-c-title pf-m-2xl">${invitation?.name ?? 'Invitation'}</h1>
        <ak-alert variant="danger" .message=${this.error}></ak-alert>
        <ak-alert variant="success" .message=${this.notice}></ak-alert>
        ${
          invitation
            ? html`<div class="pf-v6-l-flex pf-v6-u-my-md">
                  <button
                    class="pf-v6-c-button pf-m-primary"
                    type="button"
                    @click=${() => (this.editing = true)}
                  >
                    Edit
                  </button>
                  <button
                    class="pf-v6-c-button pf-m-secondary"
                    type="button"
                    ?disabled=${!invitation.flowObj}
                    @click=${() => (this.sending = true)}
                  >
                    Send by email
                  </button>
                  <button
                    class="pf-v6-c-button pf-m-danger"
                    type="button"
                    ?disabled=${invitation.status === 'revoked'}
                    @click=${() => this.revoke(invitation)}
                  >
                    Revoke
                  </button>
                </div>
                ${this.renderSummary(invitation)}`
            : nothing
        }
      </section>
      <section class="pf-v6-c-page__main-section">
        <h2 class="pf-v6-c-title pf-m-xl">Timeline</h2>
        <ak-table
          label="Timeline of this invitation"
          .searchable=${false}
          .columns=${this.timelineColumns}
          .rows=${this.timeline ?? []}
          .loading=${this.timeline === undefined}
          emptyText="Nothing has happened yet."
        ></ak-table>
      </section>
      <section class="pf-v6-c-page__main-section">
        <h2 class="pf-v6-c-title pf-m-xl">Usage record</h2>
        <ak-table
          label="Enrollments through this invitation"
          .searchable=${false}
          .columns=${this.useColumns}
          .rows=${this.uses?.results ?? []}
          .pagination=${this.uses?.pagination}
          .loading=${this.uses === undefined}
          emptyText="Nobody has enrolled with this invitation yet."
          @ak-table-query=${(event: CustomEvent<TableQuery>) => void this.loadUses(event.detail.page)}
        ></ak-table>
      </section>
      <section class="pf-v6-c-page__main-section">
        <h2 class="pf-v6-c-title pf-m-xl">History</h2>
        <ak-table
          label="Audit events of this invitation"
          .searchable=${false}
          .columns=${this.eventColumns}
          .rows=${this.events?.results ?? []}
          .pagination=${this.events?.pagination}
          .loading=${this.events === undefined}
          emptyText="No events."
          @ak-table-query=${(event: CustomEvent<TableQuery>) => void this.loadEvents(event.detail.page)}
        ></ak-table>
      </section>
      ${
        invitation
          ? html`<ak-modal-form
              heading="Edit ${invitation.name}"
              .open=${this.editing}
              .body=${(errors: Record<string, string[]>) => invitationFormBody(invitation, errors)}
              .submit=${async (form: HTMLFormElement) => {
                const { request, extensions } = readInvitationForm(form);
                this.invitation = await saveInvitation(invitation.pk, request, extensions);
                this.notice = `Saved ${this.invitation.name}.`;
                await this.loadEvents(1);
              }}
              @ak-close=${() => (this.editing = false)}
            ></ak-modal-form>`
          : nothing
      }
      ${
        invitation && this.sending
          ? html`<ak-invitation-send-email
              .invitation=${invitation}
              @ak-close=${() => (this.sending = false)}
            ></ak-invitation-send-email>`
          : nothing
      }`;
  }
}
customElements.define('ak-invitation-page', AkInvitationPage);

const TIMELINE_LABELS: Record<TimelineEntry['kind'], string> = {
  created: 'Created',
  edited: 'Edited',
  sent: 'Sent',
  opened: 'Opened',
  refused: 'Refused',
  used: 'Used',
  expired: 'Expired',
  revoked: 'Revoked',
};

/** The few details worth a line: to whom a mail went, who enrolled, why a link was refused. */
function timelineDetail(entry: TimelineEntry): string {
  const detail = entry.detail;
  if (entry.kind === 'sent') {
    const to = Array.isArray(detail.to) ? detail.to.join(', ') : '';
    return detail.delivered === false ? `To ${to}: failed, ${String(detail.error ?? '')}` : `To ${to}`;
  }
  if (entry.kind === 'used')
    return `${String(detail.username ?? '')} from ${String(detail.client_ip ?? '—')}`;
  if (entry.kind === 'refused') return `Reason: ${String(detail.reason ?? '—')}`;
  if (entry.kind === 'opened') return `From ${String(detail.client_ip ?? '—')}`;
  return '';
}
