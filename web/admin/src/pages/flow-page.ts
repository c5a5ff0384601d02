/**
 * `<ak-flow-page>` (`#/flows/<slug>`): one flow and its bindings editor: the stages in order,
 * moved up or down (the two bindings swap their `order`), removed (the binding only; the stage
 * stays), or added from every stage Tessera has.
 */
import { html, nothing } from 'lit';
import type { Flow, FlowStageBinding, Stage } from '@goauthentik/api';
import { describeError, flowsApi } from '../api.js';
import { LightElement } from '../components/light-element.js';
import { formGroup, formValue } from '../components/form.js';
import { STAGE_TYPES, listAllStages, type StageType } from '../flows.js';
import '../components/alert.js';
import '../components/modal-form.js';

export function stageTypeName(stage: Stage | undefined): string {
  return STAGE_TYPES[stage?.metaModelName as StageType] ?? stage?.verboseName ?? '';
}

export class AkFlowPage extends LightElement {
  static override properties = {
    param: { type: String },
    flow: { state: true },
    bindings: { state: true },
    stages: { state: true },
    error: { state: true },
    notice: { state: true },
    adding: { state: true },
  };
  /** The flow's slug, from the address. */
  param = '';
  flow: Flow | undefined = undefined;
  bindings: FlowStageBinding[] = [];
  stages: Stage[] = [];
  error = '';
  notice = '';
  adding = false;

  override connectedCallback() {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    try {
      this.flow = await flowsApi.flowsInstancesRetrieve({ slug: this.param });
      await this.loadBindings();
    } catch (error) {
      this.error = (await describeError(error)).message;
    }
  }

  private async loadBindings() {
    if (!this.flow) return;
    const page = await flowsApi.flowsBindingsList({ target: this.flow.pk, ordering: 'order', pageSize: 100 });
    this.bindings = page.results;
  }

  private async act(work: () => Promise<unknown>, notice: string) {
    try {
      await work();
      this.notice = notice;
      this.error = '';
      await this.loadBindings();
    } catch (error) {
      this.error = (await describeError(error)).message;
    }
  }

  /** Swaps the binding at `index` with its neighbour `index + step`. */
  private move(index: number, step: -1 | 1) {
    const a = this.bindings[index];
    const b = this.bindings[index + step];
    if (!a || !b) return;
    // Equal orders (allowed by authentik) would not move: the lower one takes one less.
    const [aOrder, bOrder] = a.order === b.order ? [b.order + step, a.order] : [b.order, a.order];
    void this.act(
      async () => {
        await flowsApi.flowsBindingsPartialUpdate({
          fsbUuid: a.pk,
          patchedFlowStageBindingRequest: { order: aOrder },
        });
        await flowsApi.flowsBindingsPartialUpdate({
          fsbUuid: b.pk,
          patchedFlowStageBindingRequest: { order: bOrder },
        });
      },
      `Moved ${a.stageObj.name} ${step < 0 ? 'up' : 'down'}.`,
    );
  }

  private removeBinding(binding: FlowStageBinding) {
    void this.act(
      () => flowsApi.flowsBindingsDestroy({ fsbUuid: binding.pk }),
      `Removed ${binding.stageObj.name} from the flow.`,
    );
  }

  private async openAdd() {
    try {
      this.stages = await listAllStages();
      this.adding = true;
    } catch (error) {
      this.error = (await describeError(error)).message;
    }
  }

  private renderBindings() {
    if (this.bindings.length === 0) return html`<p>No stages yet: add the first one.</p>`;
    return html`<ol class="pf-v6-c-data-list ak-bindings" aria-label="Stages of the flow">
      ${this.bindings.map(
        (binding, index) =>
          html`<li class="pf-v6-c-data-list__item">
            <div class="pf-v6-c-data-list__item-row">
              <div class="pf-v6-c-data-list__item-content">
                <div class="pf-v6-c-data-list__cell">
                  <strong class="ak-binding-name">${binding.stageObj.name}</strong>
                  <span class="pf-v6-u-ml-sm"
                    >${stageTypeName(binding.stageObj)} · order ${binding.order}</span
                  >
                </div>
              </div>
              <div class="pf-v6-c-data-list__item-action">
                <button
                  class="pf-v6-c-button pf-m-plain"
                  type="button"
                  aria-label="Move ${binding.stageObj.name} up"
                  ?disabled=${index === 0}
                  @click=${() => this.move(index, -1)}
                >
                  ↑
                </button>
                <button
                  class="pf-v6-c-button pf-m-plain"
                  type="button"
                  aria-label="Move ${binding.stageObj.name} down"
                  ?disabled=${index === this.bindings.length - 1}
                  @click=${() => this.move(index, 1)}
                >
                  ↓
                </button>
                <button
                  class="pf-v6-c-button pf-m-secondary pf-m-small"
                  type="button"
                  aria-label="Remove ${binding.stageObj.name}"
                  @click=${() => this.removeBinding(binding)}
                >
                  Remove
                </button>
              </div>
            </div>
          </li>`,
      )}
    </ol>`;
  }

  override render() {
    const flow = this.flow;
    const last = this.bindings[this.bindings.length - 1]?.order ?? 0;
    return html`<section class="pf-v6-c-page__main-section">
        <nav class="pf-v6-c-breadcrumb" aria-label="Breadcrumb">
          <ol class="pf-v6-c-breadcrumb__list" role="list">
            <li class="pf-v6-c-breadcrumb__item">
              <a class="pf-v6-c-breadcrumb__link" href="#/flows">Flows</a>
            </li>
          </ol>
        </nav>
        <h1 class="pf-v6-c-title pf-m-2xl">${flow?.name ?? this.param}</h1>
        ${
          flow
            ? html`<p>
                ${flow.designation} flow at <a href="/if/flow/${flow.slug}/">/if/flow/${flow.slug}/</a>
              </p>`
            : nothing
        }
        <ak-alert variant="danger" .message=${this.error}></ak-alert>
        <ak-alert variant="success" .message=${this.notice}></ak-alert>
      </section>
      <section class="pf-v6-c-page__main-section">
        <h2 class="pf-v6-c-title pf-m-xl">Stage bindings</h2>
        ${this.renderBindings()}
        <button
          class="pf-v6-c-button pf-m-primary pf-v6-u-mt-md"
          type="button"
          ?disabled=${!flow}
          @click=${() => this.openAdd()}
        >
          Add stage
        </button>
      </section>
      <ak-modal-form
        heading="Add a stage to the flow"
        submitLabel="Add"
        .open=${this.adding}
        .body=${(errors: Record<string, string[]>) =>
          html`${formGroup(
            { id: 'binding-stage', label: 'Stage', errors: errors.stage },
            html`<span class="pf-v6-c-form-control"
              ><select id="binding-stage" name="stage" required>
                ${this.stages.map((stage) => html`<option value=${stage.pk}>${stage.name} (${stageTypeName(stage)})</option>`)}
              </select></span
            >`,
          )}
          ${formGroup(
            {
              id: 'binding-order',
              label: 'Order',
              errors: errors.order,
              help: 'Stages run from the lowest order up.',
            },
            html`<span class="pf-v6-c-form-control"
              ><input id="binding-order" name="order" type="number" required .value=${String(last + 10)}
            /></span>`,
          )}`}
        .submit=${async (form: HTMLFormElement) => {
          if (!flow) return;
          await flowsApi.flowsBindingsCreate({
            flowStageBindingRequest: {
              target: flow.pk,
              stage: formValue(form, 'stage'),
              order: Number(formValue(form, 'order')),
            },
          });
          this.notice = 'Added the stage.';
          await this.loadBindings();
        }}
        @ak-close=${() => (this.adding = false)}
      ></ak-modal-form>`;
  }
}
customElements.define('ak-flow-page', AkFlowPage);
