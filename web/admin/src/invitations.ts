/**
 * Invitations with Tessera's documented extensions (docs/compatibility.md): `max_uses`, `uses`,
 * `status`, the `status` list filter, the `uses/` record and the `revoke/`, `timeline/` and
 * `bulk/` actions, the grants (`groups`, `roles`) and email binding (`email`, `email_domains`).
 * Requests are the official client's own (`...RequestOpts`), sent through the shared
 * configuration, with only these fields, paths and bodies changed.
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

export type InvitationStatus = 'active' | 'used_up' | 'expired' | 'revoked';

export interface TesseraInvitation extends Invitation {
  maxUses: number | null;
  uses: number;
  status: InvitationStatus;
  revokedAt: Date | null;
  groups: string[];
  groupNames: string[];
  roles: string[];
  roleNames: string[];
  email: string | null;
  emailDomains: string[] | null;
}

/** The extension fields a write sends; grants left out stay as they are. */
export interface InvitationExtensions {
  max_uses: number | null;
  groups?: string[];
  roles?: string[];
  email: string | null;
  email_domains: string[] | null;
}

export interface InvitationPage {
  pagination: Pagination;
  results: TesseraInvitation[];
}

interface RawInvitation {
  max_uses?: number | null;
  uses?: number;
  status?: InvitationStatus;
  revoked_at?: string | null;
  groups?: string[];
  groups_obj?: { name: string }[];
  roles?: string[];
  roles_obj?: { name: string }[];
  email?: string | null;
  email_domains?: string[] | null;
}

function fromJson(json: RawInvitation): TesseraInvitation {
  return {
    ...InvitationFromJSON(json),
    maxUses: json.max_uses ?? null,
    uses: json.uses ?? 0,
    status: json.status ?? 'active',
    revokedAt: json.revoked_at ? new Date(json.revoked_at) : null,
    groups: json.groups ?? [],
    groupNames: (json.groups_obj ?? []).map((group) => group.name),
    roles: json.roles ?? [],
    roleNames: (json.roles_obj ?? []).map((role) => role.name),
    email: json.email ?? null,
    emailDomains: json.email_domains ?? null,
  };
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

/** Creates (no `pk`) or replaces the invitation, with its extension fields. */
export async function saveInvitation(
  pk: string | undefined,
  invitationRequest: InvitationRequest,
  extensions: InvitationExtensions,
): Promise<TesseraInvitation> {
  const opts = pk
    ? await stagesApi.stagesInvitationInvitationsUpdateRequestOpts({ inviteUuid: pk, invitationRequest })
    : await stagesApi.stagesInvitationInvitationsCreateRequestOpts({ invitationRequest });
  return fromJson(await extensionApi.json<RawInvitation>(opts, { ...extensions }));
}

/** The number of invitations in one status (one request for a page of one). */
export async function countInvitations(status: InvitationStatus): Promise<number> {
  return (await listInvitations({ status, pageSize: 1 })).pagination.count;
}

/** The server's status, except that an expiry passed since the page was loaded shows at once. */
export function invitationStatus(invitation: TesseraInvitation, now = new Date()): InvitationStatus {
  if (invitation.status === 'active' && invitation.expires && invitation.expires.getTime() <= now.getTime()) {
    return 'expired';
  }
  return invitation.status;
}

export const STATUS_LABELS: Record<InvitationStatus, string> = {
  active: 'Active',
  used_up: 'Used up',
  expired: 'Expired',
  revoked: 'Revoked',
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

/** Tessera's `revoke/`: the link stops working, the invitation is kept. */
export async function revokeInvitation(pk: string): Promise<TesseraInvitation> {
  const opts = await stagesApi.stagesInvitationInvitationsRetrieveRequestOpts({ inviteUuid: pk });
  return fromJson(
    await extensionApi.json<RawInvitation>({ ...opts, method: 'POST', path: `${opts.path}revoke/` }),
  );
}

export interface TimelineEntry {
  kind: 'created' | 'edited' | 'sent' | 'opened' | 'refused' | 'used' | 'expired' | 'revoked';
  at: string;
  actor: { pk: number | null; username: string } | null;
  detail: Record<string, unknown>;
}

/** Tessera's `timeline/`: the invitation's history, oldest first. */
export async function invitationTimeline(pk: string): Promise<TimelineEntry[]> {
  const opts = await stagesApi.stagesInvitationInvitationsRetrieveRequestOpts({ inviteUuid: pk });
  return extensionApi.json<TimelineEntry[]>({ ...opts, path: `${opts.path}timeline/` });
}

export interface BulkRequest {
  flow: string;
  name_prefix?: string;
  expires?: string | null;
  single_use?: boolean;
  max_uses?: number | null;
  fixed_data?: Record<string, unknown>;
  count?: number;
  emails?: string[];
  send_email?: boolean;
}

export interface BulkItem {
  pk: string;
  name: string;
  email: string | null;
  link: string;
}

/** Tessera's `bulk/`: invitations from one template, all or none. */
export async function bulkCreateInvitations(request: BulkRequest): Promise<BulkItem[]> {
  const opts = await stagesApi.stagesInvitationInvitationsCreateRequestOpts({
    invitationRequest: { name: 'bulk' },
  });
  const body = await extensionApi.json<{ count: number; results: BulkItem[] }>({
    ...opts,
    path: `${opts.path}bulk/`,
    body: request,
  });
  // Without TESSERA_EXTERNAL_URL the server gives a path: this page's origin serves it.
  return body.results.map((item) => ({
    ...item,
    link: item.link.startsWith('/') ? `${location.origin}${item.link}` : item.link,
  }));
}

/** One CSV field: quoted when needed, and never read as a formula by a spreadsheet. */
function csvField(value: string): string {
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `name,email,link` per invitation, as `tessera invitations bulk --csv` writes it. */
export function bulkCsv(items: BulkItem[]): string {
  const rows = [['name', 'email', 'link'], ...items.map((item) => [item.name, item.email ?? '', item.link])];
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
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
