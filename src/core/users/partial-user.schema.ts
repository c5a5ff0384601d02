/**
 * PartialUser, the "Partial User Serializer, does not include child relations" authentik
 * embeds wherever an object points at a user (Invitation.created_by, ...); the SQL that renders
 * one from the `users` table is in partial-user.repository.ts.
 * @see authentik/core/api/users.py PartialUserSerializer, authentik/core/models.py User.uid
 */
import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { JsonObject, Nullable, ReadOnly, component } from '../../api/schemas.js';

/** The User model's fields as every user serializer documents them. */
export const userFields = {
  /** The model field with its validator (UserSerializer redeclares it without). */
  username: Type.String({
    description: 'Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.',
    pattern: '^[\\w.@+-]+$',
    maxLength: 150,
  }),
  name: Type.String({ description: "User's display name." }),
  isActive: Type.Boolean({
    title: 'Active',
    description:
      'Designates whether this user should be treated as active. Unselect this instead of deleting accounts.',
  }),
  email: Type.String({ format: 'email', title: 'Email address', maxLength: 254 }),
};

export const PartialUser = component(
  'PartialUser',
  Type.Object(
    {
      pk: ReadOnly(Type.Integer({ title: 'ID' })),
      username: userFields.username,
      name: userFields.name,
      is_active: Type.Optional(userFields.isActive),
      last_login: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
      email: Type.Optional(userFields.email),
      attributes: Type.Optional(JsonObject()),
      uid: ReadOnly(Type.String()),
    },
    { description: 'Partial User Serializer, does not include child relations.' },
  ),
);
export type PartialUserBody = Static<typeof PartialUser>;

/** A PartialUser without `uid`, as SQL returns it (`uid` needs the install id). */
export type PartialUserRow = Omit<PartialUserBody, 'uid'>;

/**
 * authentik's `User.uid`: sha256 hex of `<pk>-<install id>` (the id first:
 * `f"{self.id}-{get_unique_identifier()}"`), a stable identifier that does not reveal the
 * database id.
 */
export function userUid(installId: string, pk: number): string {
  return createHash('sha256').update(`${pk}-${installId}`).digest('hex');
}

export function presentPartialUser(row: PartialUserRow, installId: string): PartialUserBody {
  return { ...row, uid: userUid(installId, row.pk) };
}
