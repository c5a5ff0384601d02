/**
 * Flows and stages through the official client: every stage type Tessera has, listed together,
 * and authentik's "invitation enrollment" example flow built in one action.
 */
import {
  FlowDesignationEnum,
  PromptTypeEnum,
  UserCreationModeEnum,
  type Flow,
  type Stage,
} from '@goauthentik/api';
import { flowsApi, stagesApi } from './api.js';

/** The stage types Tessera implements, by the `meta_model_name` the API reports. */
export const STAGE_TYPES = {
  'authentik_stages_invitation.invitationstage': 'Invitation stage',
  'authentik_stages_prompt.promptstage': 'Prompt stage',
  'authentik_stages_user_write.userwritestage': 'User write stage',
  'authentik_stages_user_login.userloginstage': 'User login stage',
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
 * authentik's "invitation enrollment" example (website/docs flows/examples): an invitation
 * stage, a credentials prompt (username, password, password repeat), a details prompt (name,
 * email), a user write and a user login stage, bound in that order. Everything is named after
 * the flow's slug, so the objects are easy to find and a second flow gets its own.
 */
export async function createInvitationEnrollmentFlow(name: string, slug: string): Promise<CreatedFlow> {
  const flow = await flowsApi.flowsInstancesCreate({
    flowRequest: { name, slug, title: name, designation: FlowDesignationEnum.Enrollment },
  });
  const prompt = (fieldKey: string, label: string, type: PromptTypeEnum, order: number) =>
    stagesApi.stagesPromptPromptsCreate({
      promptRequest: {
        name: `${slug}-field-${fieldKey}`,
        fieldKey,
        label,
        type,
        required: true,
        placeholder: label,
        order,
      },
    });
  const [username, password, passwordRepeat, fullName, email] = await Promise.all([
    prompt('username', 'Username', PromptTypeEnum.Username, 0),
    prompt('password', 'Password', PromptTypeEnum.Password, 1),
    prompt('password_repeat', 'Password (repeat)', PromptTypeEnum.Password, 2),
    prompt('name', 'Name', PromptTypeEnum.Text, 0),
    prompt('email', 'Email', PromptTypeEnum.Email, 1),
  ]);
  const stages = [
    await stagesApi.stagesInvitationStagesCreate({
      invitationStageRequest: { name: `${slug}-invitation`, continueFlowWithoutInvitation: false },
    }),
    await stagesApi.stagesPromptStagesCreate({
      promptStageRequest: {
        name: `${slug}-credentials`,
        fields: [username.pk, password.pk, passwordRepeat.pk],
      },
    }),
    await stagesApi.stagesPromptStagesCreate({
      promptStageRequest: { name: `${slug}-details`, fields: [fullName.pk, email.pk] },
    }),
    await stagesApi.stagesUserWriteCreate({
      userWriteStageRequest: { name: `${slug}-write`, userCreationMode: UserCreationModeEnum.AlwaysCreate },
    }),
    await stagesApi.stagesUserLoginCreate({ userLoginStageRequest: { name: `${slug}-login` } }),
  ];
  for (const [index, stage] of stages.entries()) {
    await flowsApi.flowsBindingsCreate({
      flowStageBindingRequest: { target: flow.pk, stage: stage.pk, order: (index + 1) * 10 },
    });
  }
  return { flow, stages: stages.map((stage) => stage.name) };
}
