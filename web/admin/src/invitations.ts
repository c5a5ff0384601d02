/**
 * Invitations with Tessera's documented extensions (docs/compatibility.md): `max_uses`, `uses`,
 * the `status` list filter and the `uses/` record. Requests are the official client's own
 * (`...RequestOpts`), sent through the shared configuration, with only these fields added.
 */
import {
  InvitationFromJSON,
  PaginationFromJSON,
  type Invitation,
  type InvitationRequest,
  type Pagination,
  type StagesInvitationInvitationsListRequest,
} from '@goauthentik/api';
import { extensionApi, stagesApi } from './api.js';

export type InvitationStatus = 'active' | 'used' | 'expired';

export interface TesseraInvitation extends Invitation {
  maxUses: number | null;
  uses: number;
}

export interface InvitationPage {
  pagination: Pagination;
  results: TesseraInvitation[];
}

interface RawInvitation {
  max_uses?: number | null;
  uses?: number;
}

function fromJson(json: RawInvitation): TesseraInvitation {
  return { ...InvitationFromJSON(json), maxUses: json.max_uses ?? null, uses: json.uses ?? 0 };
}

export async function listInvitations(
  request: StagesInvitationInvitationsListRequest & { status?: InvitationStatus },
): Promise<InvitationPage> {
  const { status, ...official } = request;
  const opts = await stagesApi.stagesInvitationInvitationsListRequestOpts(official);
  if (status) opts.query = { ...opts.query, status };
  const body = await extensionApi.json<{ pagination: unknown; results: RawInvitation[] }>(opts);
  return { pagination: PaginationFromJSON(body.pagination), results: body.results.map(fromJson) };
}

export async function getInvitation(pk: string): Promise<TesseraInvitation> {
  const opts = await stagesApi.stagesInvitationInvitationsRetrieveRequestOpts({ inviteUuid: pk });
  return fromJson(await extensionApi.json<RawInvitation>(opts));
}

/** Creates (no `pk`) or replaces the invitation, with its `max_uses`. */
export async function saveInvitation(
  pk: string | undefined,
  invitationRequest: InvitationRequest,
  maxUses: number | null,
): Promise<TesseraInvitation> {
  const opts = pk
    ? await stagesApi.stagesInvitationInvitationsUpdateRequestOpts({ inviteUuid: pk, invitationRequest })
    : await stagesApi.stagesInvitationInvitationsCreateRequestOpts({ invitationRequest });
  return fromJson(await extensionApi.json<RawInvitation>(opts, { max_uses: maxUses }));
}

/** The number of invitations in one status (one request for a page of one). */
export async function countInvitations(status: InvitationStatus): Promise<number> {
  return (await listInvitations({ status, pageSize: 1 })).pagination.count;
}

export function invitationStatus(invitation: TesseraInvitation, now = new Date()): InvitationStatus {
  if (invitation.expires && invitation.expires.getTime() <= now.getTime()) return 'expired';
  if (invitation.maxUses !== null && invitation.uses >= invitation.maxUses) return 'used';
  return 'active';
}

export const STATUS_LABELS: Record<InvitationStatus, string> = {
  active: 'Active',
  used: 'Used up',
  expired: 'Expired',
};

/** `n / max` for counted invitations; `n / 1` for single use; `n` for unlimited ones. */
export function usesText(invitation: TesseraInvitation): string {
  if (invitation.maxUses !== null) return `${invitation.uses} / ${invitation.maxUses}`;
  if (invitation.singleUse) return `${invitation.uses} / 1`;
  return String(invitation.uses);
}

/** The absolute link a person follows to use the invitation. */
export function invitationLink(invitation: Invitation): string | undefined {
  const slug = invitation.flowObj?.slug;
  if (!slug) return undefined;
  return `${location.origin}/if/flow/${encodeURIComponent(slug)}/?itoken=${encodeURIComponent(invitation.pk)}`;
}

export interface InvitationUse {
  pk: string;
  user: number | null;
  username: string;
  client_ip: string | null;
  used: string;
}

/** Tessera's `uses/` record: who enrolled through the invitation, when, from where. */
export async function listInvitationUses(
  pk: string,
  page = 1,
): Promise<{ pagination: Pagination; results: InvitationUse[] }> {
  const opts = await stagesApi.stagesInvitationInvitationsRetrieveRequestOpts({ inviteUuid: pk });
  const body = await extensionApi.json<{ pagination: unknown; results: InvitationUse[] }>({
    ...opts,
    path: `${opts.path}uses/`,
    query: { page },
  });
  return { pagination: PaginationFromJSON(body.pagination), results: body.results };
}

export interface InvitationDelivery {
  pk: string;
  to: string;
  status: 'queued' | 'retrying' | 'delivered' | 'failed';
  attempts: number;
  last_error: string | null;
  created: string;
}

/** Tessera's `deliveries/` log: the emails send_email queued, newest first, and their outcome. */
export async function listInvitationDeliveries(pk: string): Promise<InvitationDelivery[]> {
  const opts = await stagesApi.stagesInvitationInvitationsRetrieveRequestOpts({ inviteUuid: pk });
  const body = await extensionApi.json<{ results: InvitationDelivery[] }>({
    ...opts,
    path: `${opts.path}deliveries/`,
    query: { page_size: 100 },
  });
  return body.results;
}
