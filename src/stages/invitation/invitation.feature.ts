/**
 * The invitation stage (authentik/stages/invitation): its viewset with the seed endpoint
 * (/api/v3/stages/invitation/stages/, InvitationStageViewSet) and its handler in the flow
 * executor; the invitations' viewset, Tessera's consumption, uses and deliveries extensions, the
 * invitation email (sent through the outbox), and the periodic clean-ups.
 */
import { mountRoutes } from '../../api/routes.js';
import { defineStage } from '../../flows/stage-definition.js';
import { Mailer } from '../email/mailer.js';
import { EmailOutboxHandler } from '../email/email-outbox.js';
import { INVITATION_STAGE } from './invitation-stage.repository.js';
import { invitationStageSchemas } from './invitation-stage.schema.js';
import { InvitationService } from './invitation.service.js';
import { invitationRoutes, invitationViews } from './invitation.routes.js';
import { InvitationExtensionsService } from './invitation-extensions.service.js';
import { invitationExtensionRoutes, invitationExtensionViews } from './invitation-extensions.routes.js';
import { createInvitationRuntimeRepository } from './invitation-runtime.repository.js';
import { createInvitationStageHandler } from './invitation.stage.js';

export const invitationFeature = defineStage({
  ...INVITATION_STAGE,
  app: 'authentik_stages_invitation',
  appVerboseName: 'authentik Stages.Invitation',
  model: 'invitationstage',
  component: 'ak-stage-invitation-form',
  verboseName: 'Invitation Stage',
  path: '/stages/invitation/stages/',
  // authentik/stages/invitation/models.py defaults
  defaults: { continue_flow_without_invitation: false },
  schemas: invitationStageSchemas,
  handler: ({ config }) =>
    createInvitationStageHandler(config.invitations.mode === 'authentik' ? 'delete' : 'keep'),
  // Invitations and Tessera's extensions come after the stage's viewset in the OpenAPI document.
  register(app) {
    const { config, permissions, events } = app;
    const { db } = app.database;
    const pages = config.pagination;
    // send_email queues its messages; the outbox's worker sends them through this handler.
    app.outbox.handle('email', new EmailOutboxHandler(new Mailer(config.email), events, app.metrics));
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
});
