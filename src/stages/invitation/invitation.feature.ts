/**
 * The invitation stage: its handler in the flow executor, the stage and invitation viewsets
 * (/api/v3/stages/invitation/), Tessera's consumption, uses and deliveries extensions, the
 * invitation email (sent through the outbox),
 * and the periodic clean-ups.
 */
import type { Feature } from '../../lib/feature.js';
import { mountRoutes } from '../../api/routes.js';
import { Mailer } from '../email/mailer.js';
import { EmailOutboxHandler } from '../email/email-outbox.js';
import { InvitationStageService } from './invitation-stage.service.js';
import { invitationStageRoutes, invitationStageViews } from './invitation-stage.routes.js';
import { InvitationService } from './invitation.service.js';
import { invitationRoutes, invitationViews } from './invitation.routes.js';
import { InvitationExtensionsService } from './invitation-extensions.service.js';
import { invitationExtensionRoutes, invitationExtensionViews } from './invitation-extensions.routes.js';
import { createInvitationRuntimeRepository } from './invitation-runtime.repository.js';
import { createInvitationStageHandler } from './invitation.stage.js';

export const invitationFeature: Feature = {
  name: 'stages/invitation',
  register(app) {
    const { config, permissions, events } = app;
    const { db } = app.database;
    const pages = config.pagination;
    const singleUseEnd = config.invitations.mode === 'authentik' ? 'delete' : 'keep';
    app.stageRegistry.register(createInvitationStageHandler(singleUseEnd));
    // send_email queues its messages; the outbox's worker sends them through this handler.
    app.outbox.handle('email', new EmailOutboxHandler(new Mailer(config.email), events, app.metrics));
    const stages = new InvitationStageService(db, permissions, events, app.stages, pages);
    mountRoutes(app, invitationStageRoutes(stages), invitationStageViews);
    const invitations = new InvitationService(db, permissions, events, {
      install: app.install,
      defaultTokenDurationSeconds: config.defaultTokenDurationSeconds,
      externalUrl: config.externalUrl,
      pageDefaults: pages,
      metrics: app.metrics,
      retentionDays: config.invitations.retentionDays,
    });
    mountRoutes(app, invitationRoutes(invitations), invitationViews);
    const extensions = new InvitationExtensionsService(db, permissions, events, pages);
    mountRoutes(app, invitationExtensionRoutes(extensions), invitationExtensionViews);
    app.tasks.add({
      // authentik/core/tasks.py clean_expired_models ("Remove expired objects"), for invitations.
      name: 'clean_expired_invitations',
      intervalSeconds: config.cleanupIntervalSeconds,
      run: async () => {
        await invitations.cleanExpired();
      },
    });
    app.tasks.add({
      // Leases of abandoned enrollments free themselves when they run out; this clears them.
      name: 'release_expired_invitation_leases',
      intervalSeconds: 60,
      run: async () => {
        await createInvitationRuntimeRepository(db).releaseExpiredLeases();
      },
    });
  },
};
