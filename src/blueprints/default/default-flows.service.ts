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
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { BACKENDS } from '../../stages/password/password-stage.schema.js';
import {
  DEFAULT_AUTHENTICATION_FLOW,
  DEFAULT_INVALIDATION_FLOW,
} from '../../flows/executor/executor.service.js';
import { createDefaultFlowsRepository } from './default-flows.repository.js';

export { DEFAULT_AUTHENTICATION_FLOW };
export const INITIAL_SETUP_FLOW = 'initial-setup';
export const DEFAULT_LOGIN_STAGE = 'default-authentication-login';

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

export async function installDefaultFlows(db: Db): Promise<void> {
  const repository = createDefaultFlowsRepository(db);
  // The login stage is shared by both flows, as in authentik's blueprints.
  const login = () => repository.ensureStage(DEFAULT_LOGIN_STAGE, 'user_login', 'user_login_stages', {});

  const authentication = await repository.createFlow({
    slug: DEFAULT_AUTHENTICATION_FLOW,
    name: 'Welcome to authentik!',
    title: 'Welcome to authentik!',
    designation: 'authentication',
    authentication: 'none',
    denied_action: 'message_continue',
  });
  if (authentication) {
    const identification = await repository.ensureStage(
      'default-authentication-identification',
      'identification',
      'identification_stages',
      { user_fields: json(['username', 'email']) },
    );
    const password = await repository.ensureStage(
      'default-authentication-password',
      'password',
      'password_stages',
      {
        backends: json(BACKENDS),
      },
    );
    await repository.bind(authentication, identification, 10);
    await repository.bind(authentication, password, 20);
    await repository.bind(authentication, await login(), 100);
  }

  const setup = await repository.createFlow({
    slug: INITIAL_SETUP_FLOW,
    name: 'default-oobe-setup',
    title: 'Welcome to authentik!',
    designation: 'stage_configuration',
    authentication: 'none',
    denied_action: 'message_continue',
  });
  if (setup) {
    const field = (name: string, v: { field_key: string; label: string; type: string; order: number }) =>
      repository.ensurePrompt({ name, required: true, placeholder: v.label, initial_value: '', ...v });
    const prompts = [
      await repository.ensurePrompt({
        name: 'initial-setup-field-header',
        field_key: 'oobe-header-text',
        label: 'oobe-header-text',
        type: 'static',
        required: true,
        placeholder: '',
        initial_value:
          'Welcome to authentik! Please set a password and email address for the default admin user, akadmin.',
        order: 100,
      }),
      await field('initial-setup-field-email', {
        field_key: 'email',
        label: 'Email',
        type: 'email',
        order: 101,
      }),
      await field('initial-setup-field-password', {
        field_key: 'password',
        label: 'Password',
        type: 'password',
        order: 300,
      }),
      await field('initial-setup-field-password-repeat', {
        field_key: 'password_repeat',
        label: 'Password (repeat)',
        type: 'password',
        order: 301,
      }),
    ];
    const prompt = await repository.ensureStage('stage-default-oobe-password', 'prompt', 'prompt_stages', {});
    await repository.addPromptFields(prompt, prompts);
    // The setup only ever updates akadmin, the pending user its policy sets.
    const write = await repository.ensureStage(
      'stage-default-oobe-write',
      'user_write',
      'user_write_stages',
      {
        user_creation_mode: sql`'never_create'`,
      },
    );
    await repository.bind(setup, prompt, 10);
    await repository.bind(setup, write, 20);
    await repository.bind(setup, await login(), 100);
  }

  const invalidation = await repository.createFlow({
    slug: DEFAULT_INVALIDATION_FLOW,
    name: 'Logout',
    title: 'Default Invalidation Flow',
    designation: 'invalidation',
    authentication: 'none',
    denied_action: 'message_continue',
  });
  if (invalidation) {
    const logout = await repository.ensureStage(
      'default-invalidation-logout',
      'user_logout',
      'user_logout_stages',
      {},
    );
    await repository.bind(invalidation, logout, 0);
  }
}
