/**
 * authentik's `User.group_attributes()`: the attributes of every group the user is in (with
 * ancestors, by group name), then the user's own, merged with deepmerge's `always_merger`
 * (dictionaries merge recursively, lists are appended, anything else is replaced).
 * @see authentik/core/models.py User.group_attributes
 */
type Json = Record<string, unknown>;

function isDict(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function alwaysMerge(into: Json, from: Json): Json {
  for (const [key, value] of Object.entries(from)) {
    const current = into[key];
    if (isDict(current) && isDict(value)) into[key] = alwaysMerge({ ...current }, value);
    else if (Array.isArray(current) && Array.isArray(value)) into[key] = [...current, ...value];
    else into[key] = value;
  }
  return into;
}

export function mergeGroupAttributes(groups: { attributes: Json }[], userAttributes: Json): Json {
  const merged: Json = {};
  for (const group of groups) alwaysMerge(merged, group.attributes ?? {});
  return alwaysMerge(merged, userAttributes ?? {});
}
