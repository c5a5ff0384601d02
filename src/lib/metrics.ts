/**
 * What Tessera counts for operators, as one small interface the services are given: domain
 * code never reaches a metrics registry itself, so tests and the CLI pass their own (or none).
 * `src/root/prometheus.ts` implements it with prom-client for the metrics listener.
 */

/** Why an invitation link was refused (the invitation stage's reasons). */
export type InvitationRefusal = string;

export interface Metrics {
  /** One finished HTTP request: the route's pattern (not the URL), method, status, duration. */
  request(route: string, method: string, status: number, seconds: number): void;
  invitationsCreated(count: number): void;
  invitationUsed(): void;
  invitationRefused(reason: InvitationRefusal): void;
  /** Invitations removed by the expiry cleanup. */
  invitationsExpired(count: number): void;
  /** A user created by an enrollment flow. */
  enrollment(): void;
  emailSent(): void;
  emailFailed(): void;
}

/** Counts nothing: the default wherever no registry is configured. */
export const noMetrics: Metrics = {
  request: () => undefined,
  invitationsCreated: () => undefined,
  invitationUsed: () => undefined,
  invitationRefused: () => undefined,
  invitationsExpired: () => undefined,
  enrollment: () => undefined,
  emailSent: () => undefined,
  emailFailed: () => undefined,
};
