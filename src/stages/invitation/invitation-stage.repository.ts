/** The invitation stage's table, as a stage type of the generic stage viewset. */
import { Type } from '@sinclair/typebox';
import { filter } from '../../api/list-spec.js';
import { NO_FLOWS_SQL, type SubtypeDefinition } from '../../flows/stage-subtype.repository.js';

export const INVITATION_STAGE: SubtypeDefinition = {
  type: 'invitation',
  table: 'invitation_stages',
  columns: [{ name: 'continue_flow_without_invitation', kind: 'boolean', filter: { kind: 'boolean' } }],
  filters: {
    // authentik's `flow__isnull` joins the bindings, so a stage bound to several flows is
    // listed once per binding; the stored flow_set lists it once and spares the filtered count
    // a probe of the bindings per stage.
    no_flows: filter.custom<boolean>({
      schema: Type.Boolean(),
      read: (r, key) => r.boolean(key),
      where: (none) => (none ? NO_FLOWS_SQL.none : NO_FLOWS_SQL.some),
    }) as never,
  },
  // One row per invitation_stages row (its primary key references stages).
  countedTable: 'invitation_stages',
};
