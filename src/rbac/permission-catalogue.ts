/**
 * The permissions Tessera knows: Django's four default permissions per model plus the extra
 * ones authentik's models declare (Meta.permissions). Synced into the `permissions` table at
 * start so grants can reference them by id.
 */

export interface ModelPermissions {
  app: string;
  model: string;
  verboseName: string;
  /** Whether the model has Django's four default permissions (Meta.default_permissions). */
  defaults?: boolean;
  extra?: [codename: string, name: string][];
}

/**
 * The catalogue in the order a fresh install inserts it, which numbers the permissions (`id` in
 * /rbac/permissions/): each model in the order it was added to Tessera. A name stands for a
 * model a stage type declares in its own folder (`registerModel`, called by its stage
 * definition), kept at its place so that the numbering stays; a model registered without a
 * place here (a stage type added since) comes after these, in the order of registration.
 */
const CATALOGUE: (ModelPermissions | string)[] = [
  'authentik_stages_invitation.invitationstage',
  { app: 'authentik_stages_invitation', model: 'invitation', verboseName: 'Invitation' },
  {
    app: 'authentik_flows',
    model: 'flow',
    verboseName: 'Flow',
    extra: [
      ['export_flow', 'Can export a Flow'],
      ['inspect_flow', 'Can inspect a Flow'],
      ['view_flow_cache', 'View Flow cache metrics'],
      ['clear_flow_cache', 'Clear Flow cache'],
    ],
  },
  { app: 'authentik_flows', model: 'flowstagebinding', verboseName: 'Flow Stage Binding' },
  {
    app: 'authentik_core',
    model: 'user',
    verboseName: 'User',
    extra: [
      ['reset_user_password', 'Reset Password'],
      ['impersonate', 'Can impersonate other users'],
      ['preview_user', 'Can preview user data sent to providers'],
      ['view_user_applications', 'View applications the user has access to'],
    ],
  },
  {
    app: 'authentik_core',
    model: 'group',
    verboseName: 'Group',
    extra: [
      ['add_user_to_group', 'Add user to group'],
      ['remove_user_from_group', 'Remove user from group'],
      ['enable_group_superuser', 'Enable superuser status'],
      ['disable_group_superuser', 'Disable superuser status'],
    ],
  },
  {
    app: 'authentik_core',
    model: 'token',
    verboseName: 'Token',
    extra: [
      ['view_token_key', "View token's key"],
      ['set_token_key', "Set a token's key"],
    ],
  },
  {
    app: 'authentik_rbac',
    model: 'role',
    verboseName: 'Role',
    extra: [
      ['assign_role_permissions', 'Can assign permissions to roles'],
      ['unassign_role_permissions', 'Can unassign permissions from roles'],
    ],
  },
  { app: 'authentik_events', model: 'event', verboseName: 'Event' },
  { app: 'authentik_stages_prompt', model: 'prompt', verboseName: 'Prompt' },
  'authentik_stages_prompt.promptstage',
  'authentik_stages_user_write.userwritestage',
  'authentik_stages_user_login.userloginstage',
  'authentik_stages_user_logout.userlogoutstage',
  { app: 'authentik_blueprints', model: 'blueprintinstance', verboseName: 'Blueprint Instance' },
  'authentik_stages_identification.identificationstage',
  'authentik_stages_password.passwordstage',
  'authentik_stages_email.emailstage',
  {
    // authentik/rbac/models.py SystemPermission: no table and no default permissions, only
    // system-wide ones. Tessera lists the one it honours: a role holding it opens the admin
    // interface without being superuser (User.can_access_admin).
    app: 'authentik_rbac',
    model: 'systempermission',
    verboseName: 'System permission',
    defaults: false,
    extra: [['access_admin_interface', 'Can access admin interface']],
  },
  // Tessera's own model (docs/webhooks.md).
  { app: 'tessera_webhooks', model: 'webhookendpoint', verboseName: 'Webhook Endpoint' },
];

/**
 * Django's AppConfig.verbose_name of each app (the `app_label_verbose` of permissions), as
 * authentik names its apps (authentik/core/apps.py "authentik Core", the stages
 * "authentik Stages.<Name>"); a stage type's app is added when its model is registered.
 */
const APP_VERBOSE_NAMES: Record<string, string> = {
  authentik_core: 'authentik Core',
  authentik_flows: 'authentik Flows',
  authentik_rbac: 'authentik RBAC',
  authentik_events: 'authentik Events',
  tessera_webhooks: 'Tessera Webhooks',
};

/** The models registered from higher layers, by `<app>.<model>`, in registration order. */
const REGISTERED = new Map<string, ModelPermissions>();

/** The catalogue's models in order, resolved once after the last registration. */
let resolved: ModelPermissions[] | undefined;

const modelKey = (model: { app: string; model: string }) => `${model.app}.${model.model}`;

/**
 * Adds a model a higher layer declares (a stage type, from its stage definition) to the
 * catalogue, with its app's verbose name. Called as the declaring module loads, so the catalogue
 * is complete before the bootstrap syncs it.
 */
export function registerModel(model: ModelPermissions, appVerboseName: string): void {
  const key = modelKey(model);
  if (REGISTERED.has(key)) throw new Error(`model ${key} is registered twice`);
  REGISTERED.set(key, model);
  APP_VERBOSE_NAMES[model.app] = appVerboseName;
  resolved = undefined;
}

/** Every model of the catalogue, in its order (see CATALOGUE). */
function catalogueModels(): ModelPermissions[] {
  if (resolved) return resolved;
  const placed = new Set(CATALOGUE.filter((entry) => typeof entry === 'string'));
  resolved = [
    ...CATALOGUE.flatMap((entry) => {
      if (typeof entry !== 'string') return [entry];
      const registered = REGISTERED.get(entry);
      return registered ? [registered] : [];
    }),
    ...[...REGISTERED].filter(([key]) => !placed.has(key)).map(([, model]) => model),
  ];
  return resolved;
}

/** `app_label_verbose` with authentik's fallback (`<app>.<model>`) for an unknown app. */
export function appVerboseName(app: string, model: string): string {
  return APP_VERBOSE_NAMES[app] ?? `${app}.${model}`;
}

/** `model_verbose`: the model's verbose name, or `<app>.<model>` when the model is unknown. */
export function modelVerboseName(app: string, model: string): string {
  return catalogueModels().find((m) => m.app === app && m.model === model)?.verboseName ?? `${app}.${model}`;
}

export interface PermissionEntry {
  app: string;
  model: string;
  codename: string;
  name: string;
}

export function permissionEntries(): PermissionEntry[] {
  return catalogueModels().flatMap((m) => [
    ...(m.defaults === false ? [] : (['add', 'change', 'delete', 'view'] as const)).map((action) => ({
      app: m.app,
      model: m.model,
      codename: `${action}_${m.model}`,
      name: `Can ${action} ${m.verboseName}`,
    })),
    ...(m.extra ?? []).map(([codename, name]) => ({ app: m.app, model: m.model, codename, name })),
  ]);
}
