/**
 * The editor of each stage type Tessera has: the form body for a stage (undefined when new)
 * and the save through the official client. Adding a type is one entry in STAGE_EDITORS.
 */
import { html, type TemplateResult } from 'lit';
import {
  BackendsEnum,
  UserCreationModeEnum,
  UserFieldsEnum,
  type EmailStage,
  type IdentificationStage,
  type InvitationStage,
  type PasswordStage,
  type Prompt,
  type PromptStage,
  type Stage,
  type UserLoginStage,
  type UserLogoutStage,
  type UserWriteStage,
} from '@goauthentik/api';
import { stagesApi } from '../api.js';
import { checkbox, formGroup, formValue, textInput } from '../components/form.js';
import type { StageType } from '../flows.js';

export interface StageEditor<T extends Stage> {
  /** Loads the full stage (the list gives the common fields only). */
  get(pk: string): Promise<T>;
  body(stage: T | undefined, errors: Record<string, string[]>, prompts: Prompt[]): TemplateResult;
  save(pk: string | undefined, form: HTMLFormElement): Promise<Stage>;
  remove(pk: string): Promise<void>;
}

const checked = (form: HTMLFormElement, name: string) =>
  form.querySelector<HTMLInputElement>(`[name=${name}]`)?.checked ?? false;

const nameField = (stage: Stage | undefined, errors: Record<string, string[]>) =>
  textInput({
    id: 'stage-name',
    name: 'name',
    label: 'Name',
    required: true,
    value: stage?.name,
    errors: errors.name,
  });

const invitation: StageEditor<InvitationStage> = {
  get: (pk) => stagesApi.stagesInvitationStagesRetrieve({ stageUuid: pk }),
  body: (stage, errors) =>
    html`${nameField(stage, errors)}
    ${checkbox({
      id: 'stage-continue',
      name: 'continue_flow_without_invitation',
      label: 'Continue the flow without an invitation',
      checked: stage?.continueFlowWithoutInvitation ?? false,
      help: 'Off: the flow is denied to anyone without a valid invitation.',
    })}`,
  save: (pk, form) => {
    const invitationStageRequest = {
      name: formValue(form, 'name'),
      continueFlowWithoutInvitation: checked(form, 'continue_flow_without_invitation'),
    };
    return pk
      ? stagesApi.stagesInvitationStagesUpdate({ stageUuid: pk, invitationStageRequest })
      : stagesApi.stagesInvitationStagesCreate({ invitationStageRequest });
  },
  remove: (pk) => stagesApi.stagesInvitationStagesDestroy({ stageUuid: pk }),
};

const prompt: StageEditor<PromptStage> = {
  get: (pk) => stagesApi.stagesPromptStagesRetrieve({ stageUuid: pk }),
  body: (stage, errors, prompts) =>
    html`${nameField(stage, errors)}
      <fieldset class="pf-v6-c-form__fieldset">
        <legend class="pf-v6-c-form__label"><span class="pf-v6-c-form__label-text">Fields</span></legend>
        ${prompts.length === 0 ? html`<p>No prompt fields yet: create them under Prompt fields.</p>` : ''}
        ${prompts.map((field) =>
          checkbox({
            id: `stage-field-${field.pk}`,
            name: 'fields',
            label: `${field.name} (${field.fieldKey}, ${field.type})`,
            checked: stage?.fields.includes(field.pk) ?? false,
          }),
        )}
        ${errors.fields ? html`<p class="ak-field-error">${errors.fields.join(' ')}</p>` : ''}
      </fieldset>`,
  save: (pk, form) => {
    const fields = [...form.querySelectorAll<HTMLInputElement>('[name=fields]:checked')].map((input) =>
      input.id.replace('stage-field-', ''),
    );
    const promptStageRequest = { name: formValue(form, 'name'), fields };
    return pk
      ? stagesApi.stagesPromptStagesUpdate({ stageUuid: pk, promptStageRequest })
      : stagesApi.stagesPromptStagesCreate({ promptStageRequest });
  },
  remove: (pk) => stagesApi.stagesPromptStagesDestroy({ stageUuid: pk }),
};

const userWrite: StageEditor<UserWriteStage> = {
  get: (pk) => stagesApi.stagesUserWriteRetrieve({ stageUuid: pk }),
  body: (stage, errors) =>
    html`${nameField(stage, errors)}
    ${formGroup(
      { id: 'stage-creation-mode', label: 'User creation mode', errors: errors.user_creation_mode },
      html`<span class="pf-v6-c-form-control"
        ><select id="stage-creation-mode" name="user_creation_mode">
          ${Object.values(UserCreationModeEnum)
            .filter((mode) => mode !== UserCreationModeEnum.UnknownDefaultOpenApi)
            .map(
              (mode) =>
                html`<option
                  value=${mode}
                  ?selected=${mode === (stage?.userCreationMode ?? UserCreationModeEnum.CreateWhenRequired)}
                >
                  ${mode}
                </option>`,
            )}
        </select></span
      >`,
    )}
    ${checkbox({
      id: 'stage-inactive',
      name: 'create_users_as_inactive',
      label: 'Create users as inactive',
      checked: stage?.createUsersAsInactive ?? false,
    })}
    ${textInput({
      id: 'stage-path',
      name: 'user_path_template',
      label: 'User path template',
      value: stage?.userPathTemplate ?? '',
      errors: errors.user_path_template,
    })}`,
  save: (pk, form) => {
    const userWriteStageRequest = {
      name: formValue(form, 'name'),
      userCreationMode: formValue(form, 'user_creation_mode') as UserCreationModeEnum,
      createUsersAsInactive: checked(form, 'create_users_as_inactive'),
      userPathTemplate: formValue(form, 'user_path_template'),
    };
    return pk
      ? stagesApi.stagesUserWriteUpdate({ stageUuid: pk, userWriteStageRequest })
      : stagesApi.stagesUserWriteCreate({ userWriteStageRequest });
  },
  remove: (pk) => stagesApi.stagesUserWriteDestroy({ stageUuid: pk }),
};

const userLogin: StageEditor<UserLoginStage> = {
  get: (pk) => stagesApi.stagesUserLoginRetrieve({ stageUuid: pk }),
  body: (stage, errors) =>
    html`${nameField(stage, errors)}
    ${textInput({
      id: 'stage-session-duration',
      name: 'session_duration',
      label: 'Session duration',
      value: stage?.sessionDuration ?? 'seconds=0',
      help: 'As authentik writes it, e.g. hours=8; seconds=0 ends the session with the browser.',
      errors: errors.session_duration,
    })}
    ${textInput({
      id: 'stage-remember-me',
      name: 'remember_me_offset',
      label: 'Remember me offset',
      value: stage?.rememberMeOffset ?? 'seconds=0',
      help: 'Added to the session when the person chooses to stay signed in; seconds=0 offers no choice.',
      errors: errors.remember_me_offset,
    })}
    ${checkbox({
      id: 'stage-terminate',
      name: 'terminate_other_sessions',
      label: 'Terminate the user’s other sessions',
      checked: stage?.terminateOtherSessions ?? false,
    })}`,
  save: (pk, form) => {
    const userLoginStageRequest = {
      name: formValue(form, 'name'),
      sessionDuration: formValue(form, 'session_duration'),
      rememberMeOffset: formValue(form, 'remember_me_offset'),
      terminateOtherSessions: checked(form, 'terminate_other_sessions'),
    };
    return pk
      ? stagesApi.stagesUserLoginUpdate({ stageUuid: pk, userLoginStageRequest })
      : stagesApi.stagesUserLoginCreate({ userLoginStageRequest });
  },
  remove: (pk) => stagesApi.stagesUserLoginDestroy({ stageUuid: pk }),
};

/** authentik's user logout stage has nothing to set but its name. */
const userLogout: StageEditor<UserLogoutStage> = {
  get: (pk) => stagesApi.stagesUserLogoutRetrieve({ stageUuid: pk }),
  body: (stage, errors) =>
    html`${nameField(stage, errors)}
      <p>Signs the person out: bound last in an invalidation flow.</p>`,
  save: (pk, form) => {
    const userLogoutStageRequest = { name: formValue(form, 'name') };
    return pk
      ? stagesApi.stagesUserLogoutUpdate({ stageUuid: pk, userLogoutStageRequest })
      : stagesApi.stagesUserLogoutCreate({ userLogoutStageRequest });
  },
  remove: (pk) => stagesApi.stagesUserLogoutDestroy({ stageUuid: pk }),
};

/** Which of the username and email fields identify a user (authentik's `user_fields`). */
const USER_FIELDS = [UserFieldsEnum.Username, UserFieldsEnum.Email] as const;

const identification: StageEditor<IdentificationStage> = {
  get: (pk) => stagesApi.stagesIdentificationRetrieve({ stageUuid: pk }),
  body: (stage, errors) =>
    html`${nameField(stage, errors)}
    ${USER_FIELDS.map((field) =>
      checkbox({
        id: `stage-user-field-${field}`,
        name: `user_field_${field}`,
        label: `Identify by ${field}`,
        checked: stage ? (stage.userFields ?? []).includes(field) : true,
      }),
    )}
    ${checkbox({
      id: 'stage-case-insensitive',
      name: 'case_insensitive_matching',
      label: 'Match the username or email regardless of case',
      checked: stage?.caseInsensitiveMatching ?? true,
    })}
    ${checkbox({
      id: 'stage-show-matched',
      name: 'show_matched_user',
      label: 'Show the matched user on the next stage',
      checked: stage?.showMatchedUser ?? true,
    })}
    ${checkbox({
      id: 'stage-pretend',
      name: 'pretend_user_exists',
      label: 'Pretend an unknown user exists',
      checked: stage?.pretendUserExists ?? true,
      help: 'On: an unknown name goes on to the password step, so names cannot be probed.',
    })}`,
  save: (pk, form) => {
    const identificationStageRequest = {
      name: formValue(form, 'name'),
      userFields: USER_FIELDS.filter((field) => checked(form, `user_field_${field}`)),
      caseInsensitiveMatching: checked(form, 'case_insensitive_matching'),
      showMatchedUser: checked(form, 'show_matched_user'),
      pretendUserExists: checked(form, 'pretend_user_exists'),
    };
    return pk
      ? stagesApi.stagesIdentificationPartialUpdate({
          stageUuid: pk,
          patchedIdentificationStageRequest: identificationStageRequest,
        })
      : stagesApi.stagesIdentificationCreate({ identificationStageRequest });
  },
  remove: (pk) => stagesApi.stagesIdentificationDestroy({ stageUuid: pk }),
};

const password: StageEditor<PasswordStage> = {
  get: (pk) => stagesApi.stagesPasswordRetrieve({ stageUuid: pk }),
  body: (stage, errors) =>
    html`${nameField(stage, errors)}
    ${textInput({
      id: 'stage-failed-attempts',
      name: 'failed_attempts_before_cancel',
      label: 'Failed attempts before the flow is cancelled',
      type: 'number',
      min: 1,
      value: String(stage?.failedAttemptsBeforeCancel ?? 5),
      errors: errors.failed_attempts_before_cancel,
    })}
    ${checkbox({
      id: 'stage-show-password',
      name: 'allow_show_password',
      label: 'Let the person show the password they type',
      checked: stage?.allowShowPassword ?? false,
    })}`,
  save: (pk, form) => {
    const passwordStageRequest = {
      name: formValue(form, 'name'),
      // Tessera checks passwords with authentik's inbuilt backend only (docs/compatibility.md).
      backends: [BackendsEnum.AuthentikCoreAuthInbuiltBackend],
      failedAttemptsBeforeCancel: Number(formValue(form, 'failed_attempts_before_cancel')),
      allowShowPassword: checked(form, 'allow_show_password'),
    };
    return pk
      ? stagesApi.stagesPasswordUpdate({ stageUuid: pk, passwordStageRequest })
      : stagesApi.stagesPasswordCreate({ passwordStageRequest });
  },
  remove: (pk) => stagesApi.stagesPasswordDestroy({ stageUuid: pk }),
};

/** The templates the server's email stage renders (GET /stages/email/templates/ lists the same). */
const EMAIL_TEMPLATES = [
  ['email/account_confirmation.html', 'Account Confirmation'],
  ['email/password_reset.html', 'Password Reset'],
] as const;

const email: StageEditor<EmailStage> = {
  get: (pk) => stagesApi.stagesEmailRetrieve({ stageUuid: pk }),
  body: (stage, errors) =>
    html`${nameField(stage, errors)}
    ${formGroup(
      { id: 'stage-template', label: 'Template', errors: errors.template },
      html`<span class="pf-v6-c-form-control"
        ><select id="stage-template" name="template">
          ${EMAIL_TEMPLATES.map(
            ([value, label]) =>
              html`<option
                value=${value}
                ?selected=${value === (stage?.template ?? 'email/password_reset.html')}
              >
                ${label}
              </option>`,
          )}
        </select></span
      >`,
    )}
    ${textInput({
      id: 'stage-subject',
      name: 'subject',
      label: 'Subject',
      required: true,
      value: stage?.subject ?? 'authentik',
      errors: errors.subject,
    })}
    ${textInput({
      id: 'stage-token-expiry',
      name: 'token_expiry',
      label: 'Link valid for',
      required: true,
      value: stage?.tokenExpiry ?? 'minutes=30',
      help: 'As authentik writes it, e.g. minutes=30 or hours=2.',
      errors: errors.token_expiry,
    })}
    ${checkbox({
      id: 'stage-activate',
      name: 'activate_user_on_success',
      label: 'Activate the user when the link is followed',
      checked: stage?.activateUserOnSuccess ?? false,
    })}
    ${textInput({
      id: 'stage-max-attempts',
      name: 'recovery_max_attempts',
      label: 'Emails to one address at most',
      type: 'number',
      min: 0,
      value: String(stage?.recoveryMaxAttempts ?? 5),
      help: 'Within the window below; 0 sets no limit.',
      errors: errors.recovery_max_attempts,
    })}
    ${textInput({
      id: 'stage-cache-timeout',
      name: 'recovery_cache_timeout',
      label: 'Window',
      required: true,
      value: stage?.recoveryCacheTimeout ?? 'minutes=5',
      errors: errors.recovery_cache_timeout,
    })}
    ${checkbox({
      id: 'stage-global',
      name: 'use_global_settings',
      label: 'Use the server’s email settings',
      checked: stage?.useGlobalSettings ?? false,
      help: 'On: the settings below are ignored (AUTHENTIK_EMAIL__* are used).',
    })}
    ${textInput({
      id: 'stage-host',
      name: 'host',
      label: 'SMTP host',
      value: stage?.host ?? 'localhost',
      errors: errors.host,
    })}
    ${textInput({
      id: 'stage-port',
      name: 'port',
      label: 'SMTP port',
      type: 'number',
      min: 1,
      value: String(stage?.port ?? 25),
      errors: errors.port,
    })}
    ${textInput({
      id: 'stage-username',
      name: 'username',
      label: 'SMTP username',
      value: stage?.username ?? '',
      errors: errors.username,
    })}
    ${textInput({
      id: 'stage-password',
      name: 'password',
      label: 'SMTP password',
      type: 'password',
      value: '',
      help: stage ? 'Leave empty to keep the current password.' : undefined,
      errors: errors.password,
    })}
    ${checkbox({ id: 'stage-tls', name: 'use_tls', label: 'Use STARTTLS', checked: stage?.useTls ?? false })}
    ${checkbox({ id: 'stage-ssl', name: 'use_ssl', label: 'Use TLS (SMTPS)', checked: stage?.useSsl ?? false })}
    ${textInput({
      id: 'stage-timeout',
      name: 'timeout',
      label: 'Timeout (seconds)',
      type: 'number',
      min: 1,
      value: String(stage?.timeout ?? 10),
      errors: errors.timeout,
    })}
    ${textInput({
      id: 'stage-from',
      name: 'from_address',
      label: 'From address',
      type: 'email',
      value: stage?.fromAddress ?? 'system@authentik.local',
      errors: errors.from_address,
    })}`,
  save: (pk, form) => {
    const password = formValue(form, 'password');
    const emailStageRequest = {
      name: formValue(form, 'name'),
      template: formValue(form, 'template'),
      subject: formValue(form, 'subject'),
      tokenExpiry: formValue(form, 'token_expiry'),
      activateUserOnSuccess: checked(form, 'activate_user_on_success'),
      recoveryMaxAttempts: Number(formValue(form, 'recovery_max_attempts')),
      recoveryCacheTimeout: formValue(form, 'recovery_cache_timeout'),
      useGlobalSettings: checked(form, 'use_global_settings'),
      host: formValue(form, 'host'),
      port: Number(formValue(form, 'port')),
      username: formValue(form, 'username'),
      // The API never shows the password: an empty field keeps the stored one.
      ...(password ? { password } : {}),
      useTls: checked(form, 'use_tls'),
      useSsl: checked(form, 'use_ssl'),
      timeout: Number(formValue(form, 'timeout')),
      fromAddress: formValue(form, 'from_address'),
    };
    return pk
      ? stagesApi.stagesEmailPartialUpdate({ stageUuid: pk, patchedEmailStageRequest: emailStageRequest })
      : stagesApi.stagesEmailCreate({ emailStageRequest });
  },
  remove: (pk) => stagesApi.stagesEmailDestroy({ stageUuid: pk }),
};

export const STAGE_EDITORS: Record<StageType, StageEditor<Stage>> = {
  'authentik_stages_invitation.invitationstage': invitation as StageEditor<Stage>,
  'authentik_stages_prompt.promptstage': prompt as StageEditor<Stage>,
  'authentik_stages_user_write.userwritestage': userWrite as StageEditor<Stage>,
  'authentik_stages_user_login.userloginstage': userLogin as StageEditor<Stage>,
  'authentik_stages_user_logout.userlogoutstage': userLogout as StageEditor<Stage>,
  'authentik_stages_identification.identificationstage': identification as StageEditor<Stage>,
  'authentik_stages_password.passwordstage': password as StageEditor<Stage>,
  'authentik_stages_email.emailstage': email as StageEditor<Stage>,
};
