/** The PrimaryKeyRelatedFields of the identification and password stages: each must name an existing object. */
import type { Db } from '../../db/client.js';
import { ApiError, Messages, type FieldErrors } from '../../api/errors.js';
import { createRelatedRepository } from './identification.repository.js';

/**
 * PrimaryKeyRelatedFields: each set value must name an existing object of the field's model.
 * `stageTypes` restricts a stage field to the types its model allows; Tessera has no captcha or
 * WebAuthn stages, so those fields accept any existing stage (docs/compatibility.md).
 */
export async function checkRelated(
  db: Db,
  values: Record<string, unknown>,
  fields: { stages?: Record<string, string | null>; flows?: string[] },
): Promise<void> {
  const related = createRelatedRepository(db);
  const errors: FieldErrors = {};
  for (const [field, type] of Object.entries(fields.stages ?? {})) {
    const pk = values[field];
    if (typeof pk === 'string' && !(await related.stageExists(pk, type))) {
      errors[field] = [Messages.pkDoesNotExist(pk)];
    }
  }
  for (const field of fields.flows ?? []) {
    const pk = values[field];
    if (typeof pk === 'string' && !(await related.flowExists(pk)))
      errors[field] = [Messages.pkDoesNotExist(pk)];
  }
  if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
}
