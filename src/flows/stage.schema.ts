/**
 * The fields every stage serializer shares (authentik/flows/api/stages.py StageSerializer),
 * spread into each concrete stage's schema in authentik's field order.
 */
import { Type } from '@sinclair/typebox';
import { ReadOnly, component, ref } from '../api/schemas.js';
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
