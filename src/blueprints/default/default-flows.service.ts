/**
 * The flows a fresh authentik has, created at start (default-flows.feature.ts) as authentik's
 * default blueprints create them (created when missing, never overwritten):
 * - `default-authentication-flow` (blueprints/default/flow-default-authentication-flow.yaml):
 *   identification (username or email), password, login;
 * - `initial-setup` (blueprints/default/flow-oobe.yaml): the one-time page where the first
 *   person sets akadmin's email and password, then is signed in;
 * - `default-invalidation-flow` (blueprints/default/flow-default-invalidation-flow.yaml):
 *   signing out, a user_logout stage.
 */
import type { Db } from '../../db/client.js';
import { BACKENDS } from '../../stages/password/password-stage.schema.js';
import {
  DEFAULT_AUTHENTICATION_FLOW,
  DEFAULT_INVALIDATION_FLOW,
} from '../../flows/executor/executor.service.js';
import {
  createDefaultFlowsRepository,
  type DefaultStage,
  type FlowValues,
  type PromptValues,
} from './default-flows.repository.js';

export { DEFAULT_AUTHENTICATION_FLOW };
export const INITIAL_SETUP_FLOW = 'initial-setup';
export const DEFAULT_LOGIN_STAGE = 'default-authentication-login';

interface DefaultFlow {
  flow: Omit<FlowValues, 'authentication' | 'denied_action'>;
  /** Each binding's order and stage, bound in this order. */
  bindings: { order: number; stage: DefaultStage }[];
}

/** The login stage is shared by the authentication and setup flows, as in authentik's blueprints. */
const LOGIN: DefaultStage = { name: DEFAULT_LOGIN_STAGE, type: 'user_login', table: 'user_login_stages' };

function setupField(
  name: string,
  field: Pick<PromptValues, 'field_key' | 'label' | 'type' | 'order'>,
): PromptValues {
  return { name, required: true, placeholder: field.label, initial_value: '', ...field };
}

const DEFAULT_FLOWS: DefaultFlow[] = [
  {
    flow: {
      slug: DEFAULT_AUTHENTICATION_FLOW,
      name: 'Welcome to authentik!',
      title: 'Welcome to authentik!',
      designation: 'authentication',
    },
    bindings: [
      {
        order: 10,
        stage: {
          name: 'default-authentication-identification',
          type: 'identification',
          table: 'identification_stages',
          settings: { user_fields: ['username', 'email'] },
        },
      },
      {
        order: 20,
        stage: {
          name: 'default-authentication-password',
          type: 'password',
          table: 'password_stages',
          settings: { backends: BACKENDS },
        },
      },
      { order: 100, stage: LOGIN },
    ],
  },
  {
    flow: {
      slug: INITIAL_SETUP_FLOW,
      name: 'default-oobe-setup',
      title: 'Welcome to authentik!',
      designation: 'stage_configuration',
    },
    bindings: [
      {
        order: 10,
        stage: {
          name: 'stage-default-oobe-password',
          type: 'prompt',
          table: 'prompt_stages',
          prompts: [
            {
              name: 'initial-setup-field-header',
              field_key: 'oobe-header-text',
              label: 'oobe-header-text',
              type: 'static',
              required: true,
              placeholder: '',
              initial_value:
                'Welcome to authentik! Please set a password and email address for the default admin user, akadmin.',
              order: 100,
            },
            setupField('initial-setup-field-email', {
              field_key: 'email',
              label: 'Email',
              type: 'email',
              order: 101,
            }),
            setupField('initial-setup-field-password', {
              field_key: 'password',
              label: 'Password',
              type: 'password',
              order: 300,
            }),
            setupField('initial-setup-field-password-repeat', {
              field_key: 'password_repeat',
              label: 'Password (repeat)',
              type: 'password',
              order: 301,
            }),
          ],
        },
      },
      {
        order: 20,
        // The setup only ever updates akadmin, the pending user its policy sets.
        stage: {
          name: 'stage-default-oobe-write',
          type: 'user_write',
          table: 'user_write_stages',
          settings: { user_creation_mode: 'never_create' },
        },
      },
      { order: 100, stage: LOGIN },
    ],
  },
  {
    flow: {
      slug: DEFAULT_INVALIDATION_FLOW,
      name: 'Logout',
      title: 'Default Invalidation Flow',
      designation: 'invalidation',
    },
    bindings: [
      {
        order: 0,
        stage: { name: 'default-invalidation-logout', type: 'user_logout', table: 'user_logout_stages' },
      },
    ],
  },
];

/**
 * Creates each default flow that is missing, with its stages and bindings. A flow that exists is
 * left alone, bindings and all; a stage that exists (the shared login stage) is reused.
 */
export async function installDefaultFlows(db: Db): Promise<void> {
  const repository = createDefaultFlowsRepository(db);
  for (const { flow, bindings } of DEFAULT_FLOWS) {
    // Every default flow is open to anyone and shows its denial as a message (the blueprints'
    // `authentication: none`, `denied_action: message_continue`).
    const flowPk = await repository.createFlow({
      ...flow,
      authentication: 'none',
      denied_action: 'message_continue',
    });
    if (flowPk === undefined) continue;
    for (const { order, stage } of bindings) {
      await repository.bind(flowPk, await repository.ensureStage(stage), order);
    }
  }
}
