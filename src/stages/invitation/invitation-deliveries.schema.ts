/**
 * Tessera's delivery log of an invitation's emails (`/stages/invitation/invitations/{invite_uuid}/deliveries/`):
 * one entry per queued message, with each recipient's outcome.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, ReadOnly, StringEnum, component, paginated, ref } from '../../api/schemas.js';
import { OUTBOX_STATUSES } from '../../outbox/outbox.repository.js';

export const DeliveryStatusEnum = StringEnum(
  'DeliveryStatusEnum',
  OUTBOX_STATUSES,
  '`queued`: not tried yet. `retrying`: an attempt failed for the moment, tried again at `next_attempt_at`. `delivered`: accepted. `failed`: refused for good, or out of attempts.',
);

export const RecipientStatusEnum = StringEnum(
  'RecipientStatusEnum',
  ['delivered', 'failed', 'pending'] as const,
  '`delivered`: the mail server accepted it. `failed`: refused for good (5xx). `pending`: not tried yet, or refused for the moment (4xx, server unreachable).',
);

export const EmailRecipient = component(
  'EmailRecipient',
  Type.Object(
    {
      address: ReadOnly(Type.String()),
      kind: ReadOnly(Type.String({ description: '`to`, `cc` or `bcc`.' })),
      status: ReadOnly(ref(RecipientStatusEnum)),
      error: ReadOnly(Nullable(Type.String({ description: "The mail server's reply when it refused." }))),
    },
    { description: 'One recipient of an email and its outcome (Tessera).' },
  ),
);

export const InvitationDelivery = component(
  'InvitationDelivery',
  Type.Object(
    {
      pk: ReadOnly(Type.String({ format: 'uuid' })),
      to: ReadOnly(Type.String()),
      status: ReadOnly(ref(DeliveryStatusEnum)),
      attempts: ReadOnly(Type.Integer()),
      last_error: ReadOnly(Nullable(Type.String())),
      recipients: ReadOnly(Type.Array(ref(EmailRecipient))),
      next_attempt_at: ReadOnly(
        Nullable(Type.String({ format: 'date-time', description: 'When a pending message is tried next.' })),
      ),
      delivered_at: ReadOnly(Nullable(Type.String({ format: 'date-time' }))),
      created: ReadOnly(Type.String({ format: 'date-time' })),
      updated: ReadOnly(Type.String({ format: 'date-time' })),
    },
    { description: 'One email sent for an invitation (Tessera).' },
  ),
);
export type InvitationDeliveryBody = Static<typeof InvitationDelivery>;

export const PaginatedInvitationDeliveryList = paginated(InvitationDelivery);

export const InvitationDeliveryListQuery = Type.Object({
  page: Type.Optional(Type.Integer({ description: 'A page number within the paginated result set.' })),
  page_size: Type.Optional(Type.Integer({ description: 'Number of results to return per page.' })),
});
