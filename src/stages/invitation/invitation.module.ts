/** Invitations (/api/v3/stages/invitation/invitations/) and their email. */
import type { FeatureModule, ModuleDeps } from '../../module.js';
import { Mailer } from '../email/mailer.js';
import { InvitationService } from './invitation.service.js';
import { invitationRoutes, invitationViews } from './invitation.routes.js';

export function invitationModule(deps: ModuleDeps): FeatureModule {
  const { config, db, install, metrics, shared } = deps;
  const invitations = new InvitationService(db, shared.permissions, shared.events, new Mailer(config.email), {
    install,
    defaultTokenDurationSeconds: config.defaultTokenDurationSeconds,
    externalUrl: config.externalUrl,
    pageDefaults: config.pagination,
    metrics,
  });
  return {
    routes: invitationRoutes(invitations),
    views: invitationViews,
    tasks: [
      {
        // authentik/core/tasks.py clean_expired_models ("Remove expired objects"), for invitations.
        name: 'clean_expired_invitations',
        intervalSeconds: config.cleanupIntervalSeconds,
        run: async () => {
          await invitations.cleanExpired();
        },
      },
    ],
    provides: { invitations },
  };
}
