/**
 * The models a blueprint may name, each mapped to the service that serves it over the API, so
 * that an entry is validated and written by exactly the rules of a POST or PATCH (authentik
 * runs each entry through the model's API serializer the same way). The services are built on
 * the importer's transaction: every entry's write is a savepoint inside it.
 */
import type { TSchema } from '@sinclair/typebox';
import type { Db } from '../db/client.js';
import type { Config } from '../config.js';
import type { Install } from '../core/bootstrap/install.js';
import type { RequestContext } from '../api/context.js';
import type { EventService } from '../events/event.service.js';
import { PermissionService } from '../rbac/permission.service.js';
import { StageService } from '../flows/stage.service.js';
import { FlowService } from '../flows/flow.service.js';
import { BindingService } from '../flows/bindings/binding.service.js';
import type { SubtypeStageService } from '../flows/stage-subtype.service.js';
import { stageDefinitions, type StageDefinition } from '../flows/stage-definition.js';
import { InvitationService } from '../stages/invitation/invitation.service.js';
import { PromptService } from '../stages/prompt/prompt.service.js';
import { GroupService } from '../core/groups/group.service.js';
import { UserService } from '../core/users/user.service.js';
import { RoleService } from '../rbac/role.service.js';
import { FlowRequest, PatchedFlowRequest } from '../flows/flow.schema.js';
import { FlowStageBindingRequest, PatchedFlowStageBindingRequest } from '../flows/bindings/binding.schema.js';
import { InvitationRequest, PatchedInvitationRequest } from '../stages/invitation/invitation.schema.js';
import { GroupRequest, PatchedGroupRequest } from '../core/groups/group.schema.js';
import { PatchedUserRequest, UserRequest } from '../core/users/user.schema.js';
import { PatchedRoleRequest, RoleRequest } from '../rbac/role.schema.js';
import { PatchedPromptRequest, PromptRequest } from '../stages/prompt/prompt.schema.js';
import { promptList } from '../stages/prompt/prompt.repository.js';
import type { ModelLookup } from './blueprint.repository.js';
import type { Metrics } from '../lib/metrics.js';

type Body = Record<string, unknown>;

/** What the importer and exporter need of a model's service. */
export interface CrudService {
  create(ctx: RequestContext, input: Body): Promise<Body>;
  update(ctx: RequestContext, key: string, input: Body): Promise<Body>;
  retrieve(ctx: RequestContext, key: string): Promise<Body>;
  destroy(ctx: RequestContext, key: string): Promise<void>;
}

export interface ModelHandler {
  /** `app_label.model_name`, as blueprints name it. */
  model: string;
  lookup: ModelLookup;
  /** The API's create and partial-update bodies: the fields a blueprint may set. */
  request: TSchema;
  patched: TSchema;
  service(services: TransactionServices): CrudService;
}

export interface HandlerDeps {
  config: Pick<
    Config,
    'pagination' | 'defaultTokenDurationSeconds' | 'externalUrl' | 'email' | 'invitations'
  >;
  install: Install;
  events: EventService;
  /** Invitations created by a blueprint count as any others do. */
  metrics: Metrics;
}

/** The API services, built on one transaction (or on the database, for reads). */
export class TransactionServices {
  readonly permissions: PermissionService;
  readonly stages: StageService;
  readonly flows: FlowService;
  readonly bindings: BindingService;
  readonly invitations: InvitationService;
  readonly prompts: PromptService;
  readonly groups: GroupService;
  readonly roles: RoleService;
  readonly users: UserService;

  /** Each stage type's viewset, made when an entry first names the type. */
  private readonly stageViewSets = new Map<string, SubtypeStageService>();

  constructor(
    private readonly db: Db,
    private readonly deps: HandlerDeps,
  ) {
    const { events, install, config, metrics } = deps;
    const pages = config.pagination;
    this.permissions = new PermissionService(db);
    this.stages = new StageService(db, this.permissions);
    const core = { db, permissions: this.permissions, events, install, pageSizes: pages };
    this.flows = new FlowService(core);
    this.bindings = new BindingService(core);
    this.invitations = new InvitationService(db, this.permissions, events, {
      install,
      defaultTokenDurationSeconds: config.defaultTokenDurationSeconds,
      externalUrl: config.externalUrl,
      pageDefaults: pages,
      metrics,
      retentionDays: config.invitations.retentionDays,
    });
    this.prompts = new PromptService(core);
    this.groups = new GroupService(core);
    this.roles = new RoleService(core);
    this.users = new UserService(core);
  }

  /** The viewset of a stage type (its definition's, on this transaction). */
  stageViewSet(definition: StageDefinition): SubtypeStageService {
    let viewset = this.stageViewSets.get(definition.declaration.type);
    if (!viewset) {
      viewset = definition.viewset({
        db: this.db,
        permissions: this.permissions,
        events: this.deps.events,
        stages: this.stages,
        pageSizes: this.deps.config.pagination,
      });
      this.stageViewSets.set(definition.declaration.type, viewset);
    }
    return viewset;
  }
}

/** The services' own signatures, seen through CrudService (their inputs are the validated bodies). */
function crud(service: {
  create(ctx: RequestContext, input: never): Promise<unknown>;
  update(ctx: RequestContext, key: string, input: never, partial: boolean): Promise<unknown>;
  retrieve(ctx: RequestContext, key: string): Promise<unknown>;
  destroy(ctx: RequestContext, key: string): Promise<void>;
}): CrudService {
  return {
    create: (ctx, input) => service.create(ctx, input as never) as Promise<Body>,
    // Group and user services take a `partial` flag (PATCH); entries update partially.
    update: (ctx, key, input) => service.update(ctx, key, input as never, true) as Promise<Body>,
    retrieve: (ctx, key) => service.retrieve(ctx, key) as Promise<Body>,
    destroy: (ctx, key) => service.destroy(ctx, key),
  };
}

/** Fields stored in columns of the same name (`order` is a keyword, so quoted). */
function sameColumns(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, name === 'order' ? '"order"' : name]));
}

/** A stage subtype's lookup: the shared `stages` row joined to the type's own table. */
function stageLookup(table: string, columns: string[]): ModelLookup {
  return {
    from: `stages s JOIN ${table} t ON t.stage_uuid = s.stage_uuid`,
    pk: 's.stage_uuid',
    key: 's.stage_uuid',
    fields: {
      stage_uuid: 's.stage_uuid',
      name: 's.name',
      ...Object.fromEntries(columns.map((column) => [column, `t.${column}`])),
    },
  };
}

/** The handlers of the models that are not stage types. */
const fixedHandlers = (): ModelHandler[] => [
  {
    model: 'authentik_flows.flow',
    lookup: {
      from: 'flows',
      pk: 'flow_uuid',
      key: 'slug',
      fields: sameColumns([
        'flow_uuid',
        'pbm_uuid',
        'name',
        'slug',
        'title',
        'designation',
        'policy_engine_mode',
        'compatibility_mode',
        'layout',
        'denied_action',
        'authentication',
      ]),
    },
    request: FlowRequest,
    patched: PatchedFlowRequest,
    service: (s) => crud(s.flows),
  },
  {
    model: 'authentik_flows.flowstagebinding',
    lookup: {
      from: 'flow_stage_bindings',
      pk: 'fsb_uuid',
      key: 'fsb_uuid',
      fields: {
        fsb_uuid: 'fsb_uuid',
        target: 'target',
        stage: 'stage',
        order: '"order"',
        evaluate_on_plan: 'evaluate_on_plan',
        re_evaluate_policies: 're_evaluate_policies',
        policy_engine_mode: 'policy_engine_mode',
        invalid_response_action: 'invalid_response_action',
      },
    },
    request: FlowStageBindingRequest,
    patched: PatchedFlowStageBindingRequest,
    service: (s) => crud(s.bindings),
  },
  {
    model: 'authentik_stages_prompt.prompt',
    lookup: {
      from: 'prompts',
      pk: 'prompt_uuid',
      key: 'prompt_uuid',
      fields: {
        prompt_uuid: 'prompt_uuid',
        ...sameColumns(promptList().orderFields.filter((field) => field !== 'pk')),
      },
    },
    request: PromptRequest,
    patched: PatchedPromptRequest,
    service: (s) => crud(s.prompts),
  },
  {
    model: 'authentik_stages_invitation.invitation',
    lookup: {
      from: 'invitations',
      pk: 'invite_uuid',
      key: 'invite_uuid',
      fields: {
        invite_uuid: 'invite_uuid',
        name: 'name',
        flow: 'flow',
        single_use: 'single_use',
        expires: 'expires',
        fixed_data: 'fixed_data',
        email: 'email',
      },
      jsonFields: ['fixed_data'],
    },
    request: InvitationRequest,
    patched: PatchedInvitationRequest,
    service: (s) => crud(s.invitations),
  },
  {
    model: 'authentik_core.group',
    lookup: {
      from: 'groups',
      pk: 'group_uuid',
      key: 'group_uuid',
      fields: {
        group_uuid: 'group_uuid',
        name: 'name',
        is_superuser: 'is_superuser',
        attributes: 'attributes',
      },
      jsonFields: ['attributes'],
    },
    request: GroupRequest,
    patched: PatchedGroupRequest,
    service: (s) => crud(s.groups),
  },
  {
    model: 'authentik_rbac.role',
    lookup: { from: 'roles', pk: 'uuid', key: 'uuid', fields: { uuid: 'uuid', name: 'name' } },
    request: RoleRequest,
    patched: PatchedRoleRequest,
    service: (s) => crud(s.roles),
  },
  {
    model: 'authentik_core.user',
    lookup: {
      from: 'users',
      pk: 'id',
      key: 'id',
      fields: {
        id: 'id',
        uuid: 'uuid',
        username: 'username',
        name: 'name',
        email: 'email',
        is_active: 'is_active',
        path: 'path',
        type: 'type',
        attributes: 'attributes',
      },
      jsonFields: ['attributes'],
    },
    request: UserRequest,
    patched: PatchedUserRequest,
    service: (s) => crud(s.users),
  },
];

/** A stage type's handler, from its definition: the generic viewset over its table. */
function stageHandler(definition: StageDefinition): ModelHandler {
  const { table, columns, schemas } = definition.declaration;
  return {
    model: definition.modelKey,
    // Every column but a write-only one (the email stage's SMTP password), which no blueprint
    // lookup may match on.
    lookup: stageLookup(
      table,
      columns.filter((column) => !column.writeOnly).map((column) => column.name),
    ),
    request: schemas.request,
    patched: schemas.patched,
    service: (s) => crud(s.stageViewSet(definition)),
  };
}

let handlers: ReadonlyMap<string, ModelHandler> | undefined;

/**
 * Every model a blueprint may name, with its handler: the fixed ones and each stage type's
 * (`stageDefinitions()`). Made on first use, once the stage folders have loaded.
 */
export function modelHandlers(): ReadonlyMap<string, ModelHandler> {
  handlers ??= new Map(
    [
      ...fixedHandlers(),
      ...stageDefinitions()
        .filter((definition) => definition.declaration.blueprints !== false)
        .map(stageHandler),
    ].map((handler) => [handler.model, handler]),
  );
  return handlers;
}

/** The model of a stage type as `stages.type` names it, when blueprints handle it (the exporter walks bindings by type). */
export function stageTypeModel(type: string): string | undefined {
  const definition = stageDefinitions().find((d) => d.declaration.type === type);
  return definition && definition.declaration.blueprints !== false ? definition.modelKey : undefined;
}
