/**
 * `<ak-flows-page>`: the flows (search, sorting, pagination), creating and deleting one, and
 * creating a ready invitation enrollment flow in one action.
 */
import { html } from 'lit';
import { FlowDesignationEnum, type Flow, type PaginatedFlowList } from '@goauthentik/api';
import { describeError, flowsApi } from '../api.js';
import { LightElement } from '../components/light-element.js';
import { formGroup, formValue, textInput } from '../components/form.js';
import { NAME_PATTERN } from '../components/invitation-form.js';
import type { Column, TableQuery } from '../components/table.js';
import { createInvitationEnrollmentFlow } from '../flows.js';
import '../components/alert.js';
import '../components/modal-form.js';
import '../components/table.js';

type Dialog = 'flow' | 'enrollment' | undefined;

export class AkFlowsPage extends LightElement {
  static override properties = {
    page: { state: true },
    loading: { state: true },
    error: { state: true },
    notice: { state: true },
    dialog: { state: true },
  };
  page: PaginatedFlowList | undefined = undefined;
  loading = false;
  error = '';
  notice = '';
  dialog: Dialog = undefined;
  private query: TableQuery = { search: '', ordering: 'slug', page: 1 };

  override connectedCallback() {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    this.loading = true;
    try {
      this.page = await flowsApi.flowsInstancesList({
        search: this.query.search || undefined,
        ordering: this.query.ordering,
        page: this.query.page,
        pageSize: 20,
      });
      this.error = '';
    } catch (error) {
      this.error = (await describeError(error)).message;
    } finally {
      this.loading = false;
    }
  }

  private async deleteFlow(flow: Flow) {
    if (!confirm(`Delete the flow ${flow.slug}? Its bindings go with it; its stages stay.`)) return;
    try {
      await flowsApi.flowsInstancesDestroy({ slug: flow.slug });
      this.notice = `Deleted ${flow.slug}.`;
      await this.load();
    } catch (error) {
      this.error = (await describeError(error)).message;
    }
  }

  private readonly columns: Column<Flow>[] = [
    {
      label: 'Name',
      sortKey: 'name',
      render: (flow) => html`<a href="#/flows/${flow.slug}">${flow.name}</a>`,
    },
    { label: 'Slug', sortKey: 'slug', render: (flow) => flow.slug },
    { label: 'Designation', sortKey: 'designation', render: (flow) => flow.designation },
    { label: 'Stages', render: (flow) => String(flow.stages?.length ?? 0) },
    {
      label: 'Actions',
      render: (flow) =>
        html`<button
          class="pf-v6-c-button pf-m-danger pf-m-small"
          type="button"
          aria-label="Delete ${flow.slug}"
          @click=${() => this.deleteFlow(flow)}
        >
          Delete
        </button>`,
    },
  ];

  private nameAndSlug(errors: Record<string, string[]>) {
    return html`${textInput({ id: 'flow-name', name: 'name', label: 'Name', required: true, errors: errors.name })}
    ${textInput({
      id: 'flow-slug',
      name: 'slug',
      label: 'Slug',
      required: true,
      pattern: NAME_PATTERN,
      help: 'Part of the flow’s address: letters, numbers, underscores and hyphens.',
      errors: errors.slug,
    })}`;
  }

  private flowBody(errors: Record<string, string[]>) {
    return html`${this.nameAndSlug(errors)}
    ${textInput({ id: 'flow-title', name: 'title', label: 'Title', required: true, help: 'Shown on the flow’s page.', errors: errors.title })}
    ${formGroup(
      { id: 'flow-designation', label: 'Designation', errors: errors.designation },
      html`<span class="pf-v6-c-form-control"
        ><select id="flow-designation" name="designation">
          ${Object.values(FlowDesignationEnum)
            .filter((value) => value !== FlowDesignationEnum.UnknownDefaultOpenApi)
            .map(
              (value) => html`<option value=${value} ?selected=${value === 'enrollment'}>${value}</option>`,
            )}
        </select></span
      >`,
    )}`;
  }

  override render() {
    return html`<section class="pf-v6-c-page__main-section">
        <h1 class="pf-v6-c-title pf-m-2xl">Flows</h1>
        <p>A flow is the sequence of stages a person goes through, such as enrolling with an invitation.</p>
      </section>
      <section class="pf-v6-c-page__main-section">
        <ak-alert variant="danger" .message=${this.error}></ak-alert>
        <ak-alert variant="success" .message=${this.notice}></ak-alert>
        <ak-table
          label="Flows"
          .columns=${this.columns}
          .rows=${this.page?.results ?? []}
          .pagination=${this.page?.pagination}
          .loading=${this.loading}
          .search=${this.query.search}
          .ordering=${this.query.ordering}
          .toolbar=${html`<div class="pf-v6-c-toolbar__item">
              <button
                class="pf-v6-c-button pf-m-primary"
                type="button"
                @click=${() => (this.dialog = 'enrollment')}
              >
                Create invitation enrollment flow
              </button>
            </div>
            <div class="pf-v6-c-toolbar__item">
              <button
                class="pf-v6-c-button pf-m-secondary"
                type="button"
                @click=${() => (this.dialog = 'flow')}
              >
                Create flow
              </button>
            </div>`}
          @ak-table-query=${(event: CustomEvent<TableQuery>) => {
            this.query = event.detail;
            void this.load();
          }}
        ></ak-table>
      </section>
      <ak-modal-form
        heading="Create invitation enrollment flow"
        submitLabel="Create"
        .open=${this.dialog === 'enrollment'}
        .body=${(errors: Record<string, string[]>) =>
          html`<p>
              Creates the flow with an invitation stage, a credentials prompt (username, password, password
              repeat), a details prompt (name, email), a user write and a user login stage.
            </p>
            ${this.nameAndSlug(errors)}`}
        .submit=${async (form: HTMLFormElement) => {
          const created = await createInvitationEnrollmentFlow(
            formValue(form, 'name'),
            formValue(form, 'slug'),
          );
          this.notice = `Created ${created.flow.slug} with ${created.stages.join(', ')}.`;
          location.hash = `#/flows/${encodeURIComponent(created.flow.slug)}`;
        }}
        @ak-close=${() => (this.dialog = undefined)}
      ></ak-modal-form>
      <ak-modal-form
        heading="Create flow"
        submitLabel="Create"
        .open=${this.dialog === 'flow'}
        .body=${(errors: Record<string, string[]>) => this.flowBody(errors)}
        .submit=${async (form: HTMLFormElement) => {
          const flow = await flowsApi.flowsInstancesCreate({
            flowRequest: {
              name: formValue(form, 'name'),
              slug: formValue(form, 'slug'),
              title: formValue(form, 'title'),
              designation: formValue(form, 'designation') as FlowDesignationEnum,
            },
          });
          this.notice = `Created ${flow.slug}.`;
          await this.load();
        }}
        @ak-close=${() => (this.dialog = undefined)}
      ></ak-modal-form>`;
  }
}
customElements.define('ak-flows-page', AkFlowsPage);
