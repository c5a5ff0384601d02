/**
 * Exports a flow as a blueprint (authentik/blueprints/v1/exporter.py FlowExporter): the flow,
 * the prompts of its prompt stages, its stages, then its bindings, each identified by `pk` and
 * its natural key, with the writable fields of the API as attrs. References are primary keys,
 * which the importer maps to the objects the same entries create (authentik's pk map), so the
 * file re-imports into an empty database.
 */
import { stringify } from 'yaml';
import type { Db } from '../db/client.js';
import { requireActor, type RequestContext } from '../api/context.js';
import type { PermissionService } from '../rbac/permission.service.js';
import type { EventService } from '../events/event.service.js';
import type { FlowService } from '../flows/flow.service.js';
import { createBlueprintRepository } from './blueprint.repository.js';
import { modelHandlers, stageTypeModel, TransactionServices, type HandlerDeps } from './model-handlers.js';

interface ExportEntry {
  model: string;
  state: 'present';
  identifiers: Record<string, unknown>;
  attrs: Record<string, unknown>;
}

/** Python's str(datetime) of an aware UTC instant, as authentik names its exports. */
function pythonNow(): string {
  const iso = new Date().toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00:00`;
}

export class BlueprintExporter {
  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly flows: FlowService,
    private readonly deps: Omit<HandlerDeps, 'events'> & { events: EventService },
  ) {}

  /** An entry of `model`: identifiers as given, attrs the request schema's other fields. */
  private entry(model: string, body: Record<string, unknown>, identifierKeys: string[]): ExportEntry {
    const handler = modelHandlers().get(model);
    if (!handler) throw new Error(`no blueprint handler for ${model}`);
    const writable = Object.keys(
      (handler.request as { properties?: Record<string, unknown> }).properties ?? {},
    );
    const identifiers: Record<string, unknown> = {};
    for (const key of identifierKeys) identifiers[key] = body[key];
    const attrs: Record<string, unknown> = {};
    for (const key of writable) {
      if (key in identifiers || body[key] === undefined) continue;
      attrs[key] = body[key];
    }
    return { model, state: 'present', identifiers, attrs };
  }

  /**
   * authentik: `authentik_flows.export_flow` on the flow, plus view permission on what it
   * exports (Tessera has no `view_stage` permission: stages are covered by the export right).
   */
  async exportFlow(ctx: RequestContext, slug: string): Promise<{ filename: string; text: string }> {
    const actor = requireActor(ctx);
    const flow = await this.flows.find(actor, slug);
    await this.permissions.requireOnObject(actor, 'authentik_flows.export_flow', flow.pk);
    for (const permission of [
      'authentik_flows.view_flowstagebinding',
      'authentik_stages_prompt.view_prompt',
    ]) {
      await this.permissions.requireGlobal(actor, permission);
    }
    const services = new TransactionServices(this.db, this.deps);
    const bindings = await createBlueprintRepository(this.db).flowBindings(flow.pk);

    const flowEntry = this.entry('authentik_flows.flow', flow as unknown as Record<string, unknown>, [
      'pk',
      'slug',
    ]);
    const promptEntries: ExportEntry[] = [];
    const stageEntries: ExportEntry[] = [];
    const bindingEntries: ExportEntry[] = [];
    const seenStages = new Set<string>();
    const seenPrompts = new Set<string>();
    for (const binding of bindings) {
      const model = stageTypeModel(binding.stage_type);
      if (!seenStages.has(binding.stage) && model) {
        seenStages.add(binding.stage);
        const handler = modelHandlers().get(model);
        const stage = await handler!.service(services).retrieve(ctx, binding.stage);
        if (binding.stage_type === 'prompt') {
          for (const prompt of (stage.fields as string[] | undefined) ?? []) {
            if (seenPrompts.has(prompt)) continue;
            seenPrompts.add(prompt);
            const body = await services.prompts.retrieve(ctx, prompt);
            promptEntries.push(
              this.entry('authentik_stages_prompt.prompt', body as Record<string, unknown>, ['pk', 'name']),
            );
          }
        }
        stageEntries.push(this.entry(model, stage, ['pk', 'name']));
      }
      const body = await services.bindings.retrieve(ctx, binding.pk);
      bindingEntries.push(
        this.entry('authentik_flows.flowstagebinding', body as unknown as Record<string, unknown>, [
          'pk',
          'target',
          'stage',
          'order',
        ]),
      );
    }
    const document = {
      version: 1,
      metadata: {
        name: `authentik Export - ${pythonNow()}`,
        labels: { 'blueprints.goauthentik.io/generated': 'true' },
      },
      entries: [flowEntry, ...promptEntries, ...stageEntries, ...bindingEntries],
    };
    return { filename: `${flow.slug}.yaml`, text: stringify(document, { lineWidth: 0 }) };
  }
}
