/**
 * The fields every stage serializer shares (authentik/flows/api/stages.py StageSerializer),
 * spread into each concrete stage's schema in authentik's field order.
 */
import { Type, type TProperties } from '@sinclair/typebox';
import { ReadOnly, component, paginated, ref, requestComponents } from '../api/schemas.js';
import { FlowSet } from './flow.schema.js';

export const stageBaseProperties = {
  pk: ReadOnly(Type.String({ format: 'uuid', title: 'Stage uuid' })),
  name: Type.String(),
  component: ReadOnly(Type.String({ description: 'Get object type so that we know how to edit the object' })),
  verbose_name: ReadOnly(Type.String({ description: "Return object's verbose_name" })),
  verbose_name_plural: ReadOnly(Type.String({ description: "Return object's plural verbose_name" })),
  meta_model_name: ReadOnly(Type.String({ description: 'Return internal model name' })),
  flow_set: ReadOnly(Type.Array(ref(FlowSet))),
};

export const Stage = component(
  'Stage',
  Type.Object(stageBaseProperties, { description: 'Stage Serializer' }),
);

/**
 * A stage type's wire shapes, as its StageSerializer subclass renders them and in the order
 * authentik's schema lists them (registered as components in that order): the item (the shared
 * fields, then the type's `fields`), the create and partial-update bodies (`name`, then the
 * type's writable `requestFields`), the paginated list; and the viewset's path parameter.
 */
export function stageSchemas(
  model: string,
  verboseName: string,
  fields: TProperties,
  requestFields: TProperties,
) {
  const description = `${model} Serializer`;
  const item = component(model, Type.Object({ ...stageBaseProperties, ...fields }, { description }));
  const requestProperties = { name: Type.String({ minLength: 1 }), ...requestFields };
  return {
    item,
    ...requestComponents(model, requestProperties, description),
    paginated: paginated(item),
    params: Type.Object({
      stage_uuid: Type.String({
        format: 'uuid',
        description: `A UUID string identifying this ${verboseName}.`,
      }),
    }),
  };
}
