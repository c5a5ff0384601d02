/**
 * Prompt and prompt-stage wire shapes (authentik/stages/prompt/api.py PromptSerializer,
 * PromptStageSerializer) in the 2026.8.3 schema's field order.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ReadOnly, StringEnum, component, ref, modelSchemas } from '../../api/schemas.js';
import { stageSchemas } from '../../flows/stage.schema.js';

/** authentik/stages/prompt/models.py FieldTypes, 2026.8.3 (with the alert types). */
export const PROMPT_TYPES = [
  'text',
  'text_area',
  'text_read_only',
  'text_area_read_only',
  'username',
  'email',
  'password',
  'number',
  'checkbox',
  'radio-button-group',
  'dropdown',
  'date',
  'date-time',
  'file',
  'separator',
  'hidden',
  'static',
  'alert_info',
  'alert_warning',
  'alert_danger',
  'ak-locale',
] as const;
export type PromptType = (typeof PROMPT_TYPES)[number];
export const PromptTypeEnum = StringEnum('PromptTypeEnum', PROMPT_TYPES);

/** A many-to-many of primary keys (DRF's ManyRelatedField over PrimaryKeyRelatedField). */
const uuidList = Type.Array(Type.String({ format: 'uuid', 'x-drf-pk': 'uuid' }));

const promptStageSettings = { fields: uuidList, validation_policies: Type.Optional(uuidList) };

export const promptStageSchemas = stageSchemas(
  'PromptStage',
  'Prompt Stage',
  promptStageSettings,
  promptStageSettings,
);

const texts = {
  field_key: 'Name of the form field, also used to store the value',
  placeholder:
    'Optionally provide a short hint that describes the expected input value. When creating a fixed choice field, enable interpreting as expression and return a list to return multiple choices.',
  initial_value:
    'Optionally pre-fill the input with an initial value. When creating a fixed choice field, enable interpreting as expression and return a list to return multiple default choices.',
};

const order = Type.Integer({ maximum: 2147483647, minimum: -2147483648 });

export const Prompt = component(
  'Prompt',
  Type.Object(
    {
      pk: ReadOnly(Type.String({ format: 'uuid', title: 'Prompt uuid' })),
      name: Type.String(),
      field_key: Type.String({ description: texts.field_key }),
      label: Type.String(),
      type: ref(PromptTypeEnum),
      required: Type.Optional(Type.Boolean()),
      placeholder: Type.Optional(Type.String({ description: texts.placeholder })),
      initial_value: Type.Optional(Type.String({ description: texts.initial_value })),
      order: Type.Optional(order),
      prompt_stages_obj: ReadOnly(Type.Array(ref(promptStageSchemas.item))),
      sub_text: Type.Optional(Type.String()),
      placeholder_expression: Type.Optional(Type.Boolean()),
      initial_value_expression: Type.Optional(Type.Boolean()),
    },
    { description: 'Prompt Serializer' },
  ),
);
export type PromptBody = Static<typeof Prompt>;

const promptRequestProperties = {
  name: Type.String({ minLength: 1 }),
  field_key: Type.String({ minLength: 1, description: texts.field_key }),
  label: Type.String({ minLength: 1 }),
  type: ref(PromptTypeEnum),
  required: Type.Optional(Type.Boolean()),
  placeholder: Type.Optional(Type.String({ description: texts.placeholder })),
  initial_value: Type.Optional(Type.String({ description: texts.initial_value })),
  order: Type.Optional(order),
  sub_text: Type.Optional(Type.String()),
  placeholder_expression: Type.Optional(Type.Boolean()),
  initial_value_expression: Type.Optional(Type.Boolean()),
};

export const [PromptRequest, PatchedPromptRequest, PaginatedPromptList] = modelSchemas(
  Prompt,
  promptRequestProperties,
);
export type PromptInput = Static<typeof PromptRequest>;

export const PromptUuidParams = Type.Object({
  prompt_uuid: Type.String({ format: 'uuid', description: 'A UUID string identifying this Prompt.' }),
});
