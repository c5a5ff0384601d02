/**
 * authentik's `Group.num_pk`: "a numerical, int32 ID for the group", the first five decimal
 * digits of the group UUID read as a 128-bit integer (the LDAP outpost derives gidNumbers from
 * it, so it must be computed the same way, not taken from a sequence).
 * @see authentik/core/models.py Group.num_pk
 */
export function groupNumPk(groupUuid: string): number {
  const digits = BigInt(`0x${groupUuid.replace(/-/g, '')}`).toString();
  return Number(digits.slice(0, 5));
}

/** str(group) in authentik (`Group <name>`), used in used_by entries. */
export function groupDisplayName(name: string): string {
  return `Group ${name}`;
}
