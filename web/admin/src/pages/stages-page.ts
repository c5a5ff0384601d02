/**
 * `<ak-stages-page>`: every stage Tessera has (invitation, prompt, user write, user login) with
 * the flows that bind it, an editor per type, and the prompt fields the prompt stages show.
 */
import { html, nothing } from 'lit';
import { PromptTypeEnum, type PaginatedPromptList, type Prompt, type Stage } from '@goauthentik/api';
import { describeError, stagesApi } from '../api.js';
import { LightElement } from '../components/light-element.js';
import { checkbox, formGroup, formValue, textInput } from '../components/form.js';
import type { Column, TableQuery } from '../components/table.js';
import { STAGE_TYPES, listAllStages, type StageType } from '../flows.js';
import { stageTypeName } from './flow-page.js';
import { STAGE_EDITORS } from './stage-editors.js';
import '../components/alert.js';
import '../components/modal-form.js';
import '../components/table.js';

interface StageForm {
  type: StageType;
  stage: Stage | undefined;
}

export class AkStagesPage extends LightElement {
  static override properties = {
    stages: { state: true },
    prompts: { state: true },
    allPrompts: { state: true },
    error: { state: true },
    notice: { state: true },
    stageForm: { state: true },
    promptForm: { state: true },
    newType: { state: true },
  };
  stages: Stage[] | undefined = undefined;
  prompts: PaginatedPromptList | undefined = undefined;
  /** Every prompt field, for the prompt stage editor. */
  allPrompts: Prompt[] = [];
  error = '';
  notice = '';
  stageForm: StageForm | undefined = undefined;
  /** The prompt field in the form: null for a new one, undefined when closed. */
  promptForm: Prompt | null | undefined = undefined;
  newType: StageType = 'authentik_stages_invitation.invitationstage';
  private promptQuery: TableQuery = { search: '', ordering: 'name', page: 1 };

  override connectedCallback() {
    super.connectedCallback();
    void this.load();
  }

  private async run(work: () => Promise<unknown>) {
    try {
      await work();
      this.error = '';
    } catch (error) {
      this.error = (await describeError(error)).message;
    }
  }

  private load() {
    return this.run(async () => {
      [this.stages] = await Promise.all([listAllStages(), this.loadPrompts()]);
    });
  }

  private async loadPrompts() {
    this.prompts = await stagesApi.stagesPromptPromptsList({
      search: this.promptQuery.search || undefined,
      ordering: this.promptQuery.ordering,
      page: this.promptQuery.page,
      pageSize: 20,
    });
  }

  private editStage(stage: Stage | undefined, type: StageType) {
    return this.run(async () => {
      const [full, prompts] = await Promise.all([
        stage ? STAGE_EDITORS[type].get(stage.pk) : Promise.resolve(undefined),
        type === 'authentik_stages_prompt.promptstage'
          ? stagesApi.stagesPromptPromptsList({ ordering: 'name', pageSize: 100 })
          : Promise.resolve(undefined),
      ]);
      this.allPrompts = prompts?.results ?? [];
      this.stageForm = { type, stage: full };
    });
  }

  private deleteStage(stage: Stage) {
    if (!confirm(`Delete the stage ${stage.name}? It is removed from every flow that binds it.`)) return;
    void this.run(async () => {
      await STAGE_EDITORS[stage.metaModelName as StageType].remove(stage.pk);
      this.notice = `Deleted ${stage.name}.`;
      this.stages = await listAllStages();
    });
  }

  private deletePrompt(field: Prompt) {
    if (!confirm(`Delete the prompt field ${field.name}?`)) return;
    void this.run(async () => {
      await stagesApi.stagesPromptPromptsDestroy({ promptUuid: field.pk });
      this.notice = `Deleted ${field.name}.`;
      await this.loadPrompts();
    });
  }

  private readonly stageColumns: Column<Stage>[] = [
    { label: 'Name', render: (stage) => stage.name },
    { label: 'Type', render: (stage) => stageTypeName(stage) },
    {
      label: 'Flows',
      render: (stage) =>
        stage.flowSet?.length
          ? html`${stage.flowSet.map((flow, i) => html`${i > 0 ? ', ' : ''}<a href="#/flows/${flow.slug}">${flow.slug}</a>`)}`
          : 'Not bound',
    },
    {
      label: 'Actions',
      render: (stage) =>
        html`<div class="pf-v6-l-flex pf-m-nowrap">
          <button
            class="pf-v6-c-button pf-m-secondary pf-m-small"
            type="button"
            aria-label="Edit ${stage.name}"
            @click=${() => this.editStage(stage, stage.metaModelName as StageType)}
          >
            Edit
          </button>
          <button
            class="pf-v6-c-button pf-m-danger pf-m-small"
            type="button"
            aria-label="Delete ${stage.name}"
            @click=${() => this.deleteStage(stage)}
          >
            Delete
          </button>
        </div>`,
    },
  ];

  private readonly promptColumns: Column<Prompt>[] = [
    { label: 'Name', sortKey: 'name', render: (field) => field.name },
    { label: 'Field key', sortKey: 'field_key', render: (field) => field.fieldKey },
    { label: 'Label', sortKey: 'label', render: (field) => field.label },
    { label: 'Type', sortKey: 'type', render: (field) => field.type },
    {
      label: 'Stages',
      render: (field) => field.promptStagesObj?.map((stage) => stage.name).join(', ') || '—',
    },
    {
      label: 'Actions',
      render: (field) =>
        html`<div class="pf-v6-l-flex pf-m-nowrap">
          <button
            class="pf-v6-c-button pf-m-secondary pf-m-small"
            type="button"
            aria-label="Edit ${field.name}"
            @click=${() => (this.promptForm = field)}
          >
            Edit
          </button>
          <button
            class="pf-v6-c-button pf-m-danger pf-m-small"
            type="button"
            aria-label="Delete ${field.name}"
            @click=${() => this.deletePrompt(field)}
          >
            Delete
          </button>
        </div>`,
    },
  ];

  private promptBody(field: Prompt | undefined, errors: Record<string, string[]>) {
    return html`${textInput({ id: 'prompt-name', name: 'name', label: 'Name', required: true, value: field?.name, errors: errors.name })}
    ${textInput({
      id: 'prompt-key',
      name: 'field_key',
      label: 'Field key',
      required: true,
      value: field?.fieldKey,
      help: 'Where the answer is stored, e.g. username, email or attributes.department.',
      errors: errors.field_key,
    })}
    ${textInput({ id: 'prompt-label', name: 'label', label: 'Label', required: true, value: field?.label, errors: errors.label })}
    ${formGroup(
      { id: 'prompt-type', label: 'Type', errors: errors.type },
      html`<span class="pf-v6-c-form-control"
        ><select id="prompt-type" name="type">
          ${Object.values(PromptTypeEnum)
            .filter((type) => type !== PromptTypeEnum.UnknownDefaultOpenApi)
            .map(
              (type) =>
                html`<option value=${type} ?selected=${type === (field?.type ?? 'text')}>${type}</option>`,
            )}
        </select></span
      >`,
    )}
    ${checkbox({ id: 'prompt-required', name: 'required', label: 'Required', checked: field?.required ?? true })}
    ${textInput({ id: 'prompt-placeholder', name: 'placeholder', label: 'Placeholder', value: field?.placeholder, errors: errors.placeholder })}
    ${textInput({
      id: 'prompt-order',
      name: 'order',
      label: 'Order',
      type: 'number',
      value: String(field?.order ?? 0),
      errors: errors.order,
    })}`;
  }

  private async savePrompt(form: HTMLFormElement) {
    const promptRequest = {
      name: formValue(form, 'name'),
      fieldKey: formValue(form, 'field_key'),
      label: formValue(form, 'label'),
      type: formValue(form, 'type') as PromptTypeEnum,
      required: form.querySelector<HTMLInputElement>('[name=required]')?.checked ?? false,
      placeholder: formValue(form, 'placeholder'),
      order: Number(formValue(form, 'order') || 0),
    };
    const field = this.promptForm;
    const saved = field
      ? await stagesApi.stagesPromptPromptsUpdate({ promptUuid: field.pk, promptRequest })
      : await stagesApi.stagesPromptPromptsCreate({ promptRequest });
    this.notice = `Saved ${saved.name}.`;
    await this.loadPrompts();
  }

  override render() {
    const form = this.stageForm;
    return html`<section class="pf-v6-c-page__main-section">
        <h1 class="pf-v6-c-title pf-m-2xl">Stages</h1>
        <p>The steps flows are made of. Bind them to a flow on the flow's screen.</p>
        <ak-alert variant="danger" .message=${this.error}></ak-alert>
        <ak-alert variant="success" .message=${this.notice}></ak-alert>
      </section>
      <section class="pf-v6-c-page__main-section">
        <ak-table
          label="Stages"
          .searchable=${false}
          .columns=${this.stageColumns}
          .rows=${this.stages ?? []}
          .loading=${this.stages === undefined}
          .toolbar=${html`<div class="pf-v6-c-toolbar__item">
              <label class="pf-v6-screen-reader" for="new-stage-type">Type of the new stage</label>
              <span class="pf-v6-c-form-control"
                ><select
                  id="new-stage-type"
                  @change=${(event: Event) => (this.newType = (event.target as HTMLSelectElement).value as StageType)}
                >
                  ${(Object.keys(STAGE_TYPES) as StageType[]).map(
                    (type) =>
                      html`<option value=${type} ?selected=${type === this.newType}>
                        ${STAGE_TYPES[type]}
                      </option>`,
                  )}
                </select></span
              >
            </div>
            <div class="pf-v6-c-toolbar__item">
              <button
                class="pf-v6-c-button pf-m-primary"
                type="button"
                @click=${() => this.editStage(undefined, this.newType)}
              >
                Create stage
              </button>
            </div>`}
          emptyText="No stages yet."
        ></ak-table>
      </section>
      <section class="pf-v6-c-page__main-section">
        <h2 class="pf-v6-c-title pf-m-xl">Prompt fields</h2>
        <ak-table
          label="Prompt fields"
          .columns=${this.promptColumns}
          .rows=${this.prompts?.results ?? []}
          .pagination=${this.prompts?.pagination}
          .loading=${this.prompts === undefined}
          .search=${this.promptQuery.search}
          .ordering=${this.promptQuery.ordering}
          .toolbar=${html`<div class="pf-v6-c-toolbar__item">
            <button
              class="pf-v6-c-button pf-m-secondary"
              type="button"
              @click=${() => (this.promptForm = null)}
            >
              Create prompt field
            </button>
          </div>`}
          emptyText="No prompt fields yet."
          @ak-table-query=${(event: CustomEvent<TableQuery>) => {
            this.promptQuery = event.detail;
            void this.run(() => this.loadPrompts());
          }}
        ></ak-table>
      </section>
      ${
        form
          ? html`<ak-modal-form
              heading=${form.stage ? `Edit ${form.stage.name}` : `Create ${STAGE_TYPES[form.type].toLowerCase()}`}
              submitLabel=${form.stage ? 'Save' : 'Create'}
              open
              .body=${(errors: Record<string, string[]>) => STAGE_EDITORS[form.type].body(form.stage, errors, this.allPrompts)}
              .submit=${async (element: HTMLFormElement) => {
                const saved = await STAGE_EDITORS[form.type].save(form.stage?.pk, element);
                this.notice = `Saved ${saved.name}.`;
                this.stages = await listAllStages();
              }}
              @ak-close=${() => (this.stageForm = undefined)}
            ></ak-modal-form>`
          : nothing
      }
      <ak-modal-form
        heading=${this.promptForm ? `Edit ${this.promptForm.name}` : 'Create prompt field'}
        submitLabel=${this.promptForm ? 'Save' : 'Create'}
        .open=${this.promptForm !== undefined}
        .body=${(errors: Record<string, string[]>) => this.promptBody(this.promptForm ?? undefined, errors)}
        .submit=${(element: HTMLFormElement) => this.savePrompt(element)}
        @ak-close=${() => (this.promptForm = undefined)}
      ></ak-modal-form>`;
  }
}
customElements.define('ak-stages-page', AkStagesPage);
