/**
 * A prompt as a challenge field, and the validation of an answer to it: authentik's
 * Prompt.field() / get_initial_value() / get_choices() (authentik/stages/prompt/models.py) and
 * PromptChallengeResponse (authentik/stages/prompt/stage.py), with DRF's field semantics and
 * messages. Expressions (`*_expression`) are Python in authentik; Tessera cannot evaluate them
 * and uses the text as written (docs/compatibility.md).
 */
import type { ErrorDetailBody, ResponseErrors } from '../../flows/executor/challenge.schema.js';
import type { StagePromptBody } from './prompt-challenge.schema.js';
import { EMAIL_RE, FALSE_VALUES, parseDatetime, TRUE_VALUES } from '../../api/validation.js';
import type { PromptType } from './prompt.schema.js';

export interface PromptField {
  field_key: string;
  label: string;
  type: PromptType;
  required: boolean;
  placeholder: string;
  initial_value: string;
  order: number;
  sub_text: string;
}

const CHOICE_TYPES = new Set<PromptType>(['radio-button-group', 'dropdown']);
/** Types whose submitted value is replaced by the field's default (authentik's validate()). */
export const FIXED_TYPES = new Set<PromptType>(['hidden', 'static', 'text_read_only', 'text_area_read_only']);
/** Types that carry no input at all. */
const DISPLAY_ONLY = new Set<PromptType>(['separator', 'alert_info', 'alert_warning', 'alert_danger']);

/** Python's str() of a JSON value (the challenge sends every initial value as a string). */
export function pythonStr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** get_choices(): a non-expression placeholder is a single choice. */
export function choicesOf(field: PromptField): string[] | null {
  if (!CHOICE_TYPES.has(field.type)) return null;
  return [field.placeholder];
}

/** get_initial_value(): the prompt data (e.g. an invitation's fixed_data) wins over the configured value. */
export function initialValueOf(field: PromptField, promptData: Record<string, unknown>): unknown {
  let value: unknown = field.initial_value;
  if (Object.hasOwn(promptData, field.field_key)) value = promptData[field.field_key];
  const choices = choicesOf(field);
  if (choices && !choices.includes(pythonStr(value))) value = choices[0] ?? '';
  return value;
}

/** The StagePrompt entry of a challenge. */
export function challengeField(field: PromptField, promptData: Record<string, unknown>): StagePromptBody {
  const choices = choicesOf(field);
  return {
    field_key: field.field_key,
    label: field.label,
    type: field.type,
    required: field.required,
    placeholder: field.placeholder,
    // authentik sends a password from fixed_data back in clear; Tessera never echoes one.
    initial_value: field.type === 'password' ? '' : pythonStr(initialValueOf(field, promptData)),
    order: field.order,
    sub_text: field.sub_text,
    choices: choices ? choices.map((choice) => ({ value: choice, label: choice })) : null,
  };
}

/**
 * The DRF field's default: hidden and static fields default to their placeholder, and any
 * truthy initial value (prompt data first) becomes the default, which makes the field optional.
 */
function defaultOf(field: PromptField, promptData: Record<string, unknown>): { value: unknown } | undefined {
  const initial = initialValueOf(field, promptData);
  if (initial !== '' && initial !== null && initial !== undefined && initial !== false)
    return { value: initial };
  if (field.type === 'hidden' || field.type === 'static') return { value: field.placeholder };
  return undefined;
}

const error = (string: string, code: string): ErrorDetailBody => ({ string, code });

/** One field's DRF to_internal_value: the clean value, or its errors. */
function cleanValue(field: PromptField, raw: unknown): { value: unknown } | { errors: ErrorDetailBody[] } {
  if (field.type === 'checkbox') {
    if (TRUE_VALUES.has(raw)) return { value: true };
    if (FALSE_VALUES.has(raw)) return { value: false };
    return { errors: [error('Must be a valid boolean.', 'invalid')] };
  }
  if (field.type === 'number') {
    if (typeof raw === 'number' && Number.isInteger(raw)) return { value: raw };
    if (typeof raw === 'string' && /^\s*[-+]?\d+(\.0*)?\s*$/.test(raw) && raw.trim().length <= 50) {
      return { value: Number.parseInt(raw, 10) };
    }
    return { errors: [error('A valid integer is required.', 'invalid')] };
  }
  // CharField and its subclasses: strings and numbers, trimmed.
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    return { errors: [error('Not a valid string.', 'invalid')] };
  }
  const text = String(raw).trim();
  if (text.includes('\0'))
    return { errors: [error('Null characters are not allowed.', 'null_characters_not_allowed')] };
  if (text === '') {
    // An optional field may be left empty (the form sends every input).
    if (!field.required) return { value: '' };
    return { errors: [error('This field may not be blank.', 'blank')] };
  }
  switch (field.type) {
    case 'email':
      return EMAIL_RE.test(text)
        ? { value: text }
        : { errors: [error('Enter a valid email address.', 'invalid')] };
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))
        ? { value: text }
        : {
            errors: [
              error('Date has wrong format. Use one of these formats instead: YYYY-MM-DD.', 'invalid'),
            ],
          };
    case 'date-time': {
      const parsed = parseDatetime(text);
      return parsed
        ? { value: parsed }
        : {
            errors: [
              error(
                'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
                'invalid',
              ),
            ],
          };
    }
    case 'radio-button-group':
    case 'dropdown': {
      const choices = choicesOf(field) ?? [];
      return choices.includes(text)
        ? { value: text }
        : { errors: [error(`"${text}" is not a valid choice.`, 'invalid_choice')] };
    }
    default:
      return { value: text };
  }
}

export interface PromptValidation {
  data: Record<string, unknown>;
  errors: ResponseErrors;
}

/**
 * PromptChallengeResponse.is_valid(): field by field, then (only when every field passed) the
 * object-level checks: fixed fields keep their default, two password fields must match.
 * `usernameTaken` is the username field's validator.
 */
export async function validateAnswer(
  fields: readonly PromptField[],
  answer: Record<string, unknown>,
  promptData: Record<string, unknown>,
  usernameTaken: (username: string) => Promise<boolean>,
): Promise<PromptValidation> {
  const errors: ResponseErrors = {};
  // ChallengeResponse.component, which ends up in the prompt data as in authentik.
  const data: Record<string, unknown> = { component: 'ak-stage-prompt' };
  for (const field of fields) {
    if (DISPLAY_ONLY.has(field.type)) continue;
    const fallback = defaultOf(field, promptData);
    if (FIXED_TYPES.has(field.type)) {
      data[field.field_key] = fallback?.value ?? '';
      continue;
    }
    const raw = answer[field.field_key];
    if (raw === undefined) {
      if (fallback) data[field.field_key] = fallback.value;
      else if (field.required && field.type !== 'checkbox') {
        errors[field.field_key] = [error('This field is required.', 'required')];
      }
      continue;
    }
    if (raw === null) {
      errors[field.field_key] = [error('This field may not be null.', 'null')];
      continue;
    }
    const result = cleanValue(field, raw);
    if ('errors' in result) {
      errors[field.field_key] = result.errors;
      continue;
    }
    if (
      field.type === 'username' &&
      typeof result.value === 'string' &&
      (await usernameTaken(result.value))
    ) {
      errors[field.field_key] = [error('Username is already taken.', 'invalid')];
      continue;
    }
    data[field.field_key] = result.value;
  }
  if (Object.keys(errors).length > 0) return { data, errors };
  // Exactly two password fields must carry the same (raw) value.
  const passwords = fields.filter((f) => f.type === 'password');
  if (passwords.length === 2) {
    const values = new Set(passwords.map((f) => pythonStr(answer[f.field_key] ?? data[f.field_key])));
    if (values.size > 1) errors.non_field_errors = [error("Passwords don't match.", 'invalid')];
  }
  return { data, errors };
}
