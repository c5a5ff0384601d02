/**
 * authentik's `User.group_attributes()`: the attributes of every group the user is in (with
 * ancestors, by group name), then the user's own, merged with deepmerge's `always_merger`
 * (dictionaries merge recursively, lists are appended, anything else is replaced).
 * @see authentik/core/models.py User.group_attributes
 */
import { deepMerge } from '../../api/safe-objects.js';

type Json = Record<string, unknown>;

export function mergeGroupAttributes(groups: { attributes: Json }[], userAttributes: Json): Json {
  let merged: unknown = {};
  for (const group of groups) merged = deepMerge(merged, group.attributes ?? {});
  return deepMerge(merged, userAttributes ?? {}) as Json;
}
