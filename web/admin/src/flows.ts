/**
 * Flows and stages through the official client: every stage type Tessera has, listed together,
 * and authentik's "invitation enrollment" example flow built in one action.
 */
import { type Flow, type Stage } from '@goauthentik/api';
import { InputRefusal, flowsApi, managedApi, stagesApi } from './api.js';

/** The stage types Tessera implements, by the `meta_model_name` the API reports. */
export const STAGE_TYPES = {
  'authentik_stages_invitation.invitationstage': 'Invitation stage',
  'authentik_stages_prompt.promptstage': 'Prompt stage',
  'authentik_stages_user_write.userwritestage': 'User write stage',
  'authentik_stages_user_login.userloginstage': 'User login stage',
  'authentik_stages_user_logout.userlogoutstage': 'User logout stage',
  'authentik_stages_identification.identificationstage': 'Identification stage',
  'authentik_stages_password.passwordstage': 'Password stage',
  'authentik_stages_email.emailstage': 'Email stage',
} as const;
export type StageType = keyof typeof STAGE_TYPES;

/** Every stage of every type Tessera has (authentik's /stages/all/ is not served). */
export async function listAllStages(): Promise<Stage[]> {
  const all = async <T extends Stage>(
    list: (page: number) => Promise<{ results: T[]; pagination: { next: number } }>,
  ) => {
    const results: T[] = [];
    for (let page = 1; page > 0;) {
      const answer = await list(page);
      results.push(...answer.results);
      page = answer.pagination.next;
    }
    return results;
  };
  const lists = await Promise.all([
    all((page) => stagesApi.stagesInvitationStagesList({ page, pageSize: 100 })),
    all((page) => stagesApi.stagesPromptStagesList({ page, pageSize: 100 })),
    all((page) => stagesApi.stagesUserWriteList({ page, pageSize: 100 })),
    all((page) => stagesApi.stagesUserLoginList({ page, pageSize: 100 })),
    all((page) => stagesApi.stagesUserLogoutList({ page, pageSize: 100 })),
    all((page) => stagesApi.stagesIdentificationList({ page, pageSize: 100 })),
    all((page) => stagesApi.stagesPasswordList({ page, pageSize: 100 })),
    all((page) => stagesApi.stagesEmailList({ page, pageSize: 100 })),
  ]);
  return lists.flat().sort((a, b) => a.name.localeCompare(b.name));
}

/** What the one-action creation made, for the person to see. */
export interface CreatedFlow {
  flow: Flow;
  stages: string[];
}

/**
 * authentik's "invitation enrollment" example (website/docs flows/examples) as a blueprint: an
 * invitation stage, a credentials prompt (username, password, password repeat), a details
 * prompt (name, email), a user write and a user login stage, bound in that order. Every object
 * is named after the flow's slug, so the objects are easy to find and a second flow gets its
 * own. The person's input travels as the import's context, never spliced into the YAML.
 */
const ENROLLMENT_BLUEPRINT = `version: 1
metadata:
  name: Invitation enrollment (created in the admin interface)
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers:
      slug: !Context flow_slug
    attrs:
      name: !Context flow_name
      title: !Context flow_name
      designation: enrollment
${[
  ['username', 'Username', 'username', 0],
  ['password', 'Password', 'password', 1],
  ['password_repeat', 'Password (repeat)', 'password', 2],
  ['name', 'Name', 'text', 0],
  ['email', 'Email', 'email', 1],
]
  .map(
    ([key, label, type, order]) => `  - model: authentik_stages_prompt.prompt
    id: field-${key}
    identifiers:
      name: !Format ['%s-field-${key}', !Context flow_slug]
    attrs:
      field_key: ${key}
      label: ${label}
      type: ${type}
      required: true
      placeholder: ${label}
      order: ${order}`,
  )
  .join('\n')}
  - model: authentik_stages_invitation.invitationstage
    id: stage-invitation
    identifiers:
      name: !Format ['%s-invitation', !Context flow_slug]
    attrs:
      continue_flow_without_invitation: false
  - model: authentik_stages_prompt.promptstage
    id: stage-credentials
    identifiers:
      name: !Format ['%s-credentials', !Context flow_slug]
    attrs:
      fields: [!KeyOf field-username, !KeyOf field-password, !KeyOf field-password_repeat]
  - model: authentik_stages_prompt.promptstage
    id: stage-details
    identifiers:
      name: !Format ['%s-details', !Context flow_slug]
    attrs:
      fields: [!KeyOf field-name, !KeyOf field-email]
  - model: authentik_stages_user_write.userwritestage
    id: stage-write
    identifiers:
      name: !Format ['%s-write', !Context flow_slug]
    attrs:
      user_creation_mode: always_create
  - model: authentik_stages_user_login.userloginstage
    id: stage-login
    identifiers:
      name: !Format ['%s-login', !Context flow_slug]
${['invitation', 'credentials', 'details', 'write', 'login']
  .map(
    (stage, index) => `  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !KeyOf flow
      stage: !KeyOf stage-${stage}
      order: ${(index + 1) * 10}`,
  )
  .join('\n')}
`;

/**
 * Creates the example flow through the blueprint import, which applies every entry in one
 * transaction: a failure half-way (a slug taken, the connection lost) leaves nothing behind,
 * where a dozen separate API calls would leave the objects made before it.
 */
export async function createInvitationEnrollmentFlow(name: string, slug: string): Promise<CreatedFlow> {
  // A blueprint updates what its identifiers find; a new flow must not take over an existing one.
  const existing = await flowsApi.flowsInstancesList({ slug });
  if (existing.results.length > 0) throw new InputRefusal(`A flow with the slug “${slug}” already exists.`);
  const result = await managedApi.managedBlueprintsImportCreate({
    file: new Blob([ENROLLMENT_BLUEPRINT], { type: 'application/yaml' }),
    context: JSON.stringify({ flow_name: name, flow_slug: slug }),
  });
  if (!result.success) {
    const reasons = result.logs.map((log) => log.event).join(' ');
    throw new InputRefusal(`The flow could not be created; nothing was changed. ${reasons}`.trim());
  }
  const flow = await flowsApi.flowsInstancesRetrieve({ slug });
  const stages = ['invitation', 'credentials', 'details', 'write', 'login'].map((role) => `${slug}-${role}`);
  return { flow, stages };
}
