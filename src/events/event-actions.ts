/**
 * authentik's EventAction choices (authentik/events/models.py), in declaration order as the
 * 2026.8.3 schema's EventActions enum lists them. A TextChoices member without an explicit
 * label is labelled after its name ("INVITE_USED" → "Invite Used"), which is what
 * `/events/events/actions/` returns as `name`.
 */
export const EVENT_ACTIONS = [
  ['login', 'LOGIN'],
  ['login_failed', 'LOGIN_FAILED'],
  ['logout', 'LOGOUT'],
  ['user_write', 'USER_WRITE'],
  ['user_offboarded', 'USER_OFFBOARDED'],
  ['suspicious_request', 'SUSPICIOUS_REQUEST'],
  ['password_set', 'PASSWORD_SET'],
  ['secret_view', 'SECRET_VIEW'],
  ['secret_rotate', 'SECRET_ROTATE'],
  ['invitation_used', 'INVITE_USED'],
  ['authorize_application', 'AUTHORIZE_APPLICATION'],
  ['source_linked', 'SOURCE_LINKED'],
  ['impersonation_started', 'IMPERSONATION_STARTED'],
  ['impersonation_ended', 'IMPERSONATION_ENDED'],
  ['flow_execution', 'FLOW_EXECUTION'],
  ['policy_execution', 'POLICY_EXECUTION'],
  ['policy_exception', 'POLICY_EXCEPTION'],
  ['property_mapping_exception', 'PROPERTY_MAPPING_EXCEPTION'],
  ['system_task_execution', 'SYSTEM_TASK_EXECUTION'],
  ['system_task_exception', 'SYSTEM_TASK_EXCEPTION'],
  ['system_exception', 'SYSTEM_EXCEPTION'],
  ['configuration_error', 'CONFIGURATION_ERROR'],
  ['configuration_warning', 'CONFIGURATION_WARNING'],
  ['model_created', 'MODEL_CREATED'],
  ['model_updated', 'MODEL_UPDATED'],
  ['model_deleted', 'MODEL_DELETED'],
  ['email_sent', 'EMAIL_SENT'],
  ['update_available', 'UPDATE_AVAILABLE'],
  ['export_ready', 'EXPORT_READY'],
  ['review_initiated', 'REVIEW_INITIATED'],
  ['review_overdue', 'REVIEW_OVERDUE'],
  ['review_attested', 'REVIEW_ATTESTED'],
  ['review_completed', 'REVIEW_COMPLETED'],
  ['access_request_created', 'ACCESS_REQUEST_CREATED'],
  ['access_request_approved', 'ACCESS_REQUEST_APPROVED'],
  ['access_request_denied', 'ACCESS_REQUEST_DENIED'],
  ['access_request_revoked', 'ACCESS_REQUEST_REVOKED'],
  ['custom_', 'CUSTOM_PREFIX'],
] as const;

export type EventAction = (typeof EVENT_ACTIONS)[number][0];

export const EVENT_ACTION_VALUES: readonly EventAction[] = EVENT_ACTIONS.map(([value]) => value);

/** Django's default label for a choices member: its name, words capitalised. */
export function eventActionLabel(memberName: string): string {
  return memberName
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
