/** The flow executor, the enrollment stages and the flow pages. */
import type { FeatureModule, ModuleDeps } from '../../module.js';
import { SessionStore } from '../../core/sessions/session.store.js';
import { createSessionRepository } from '../../core/sessions/session.repository.js';
import { SubtypeStageService } from '../stage-subtype.service.js';
import { subtypeRoutes, subtypeViews, type SubtypeRouteOptions } from '../stage-subtype.routes.js';
import { flowPages } from '../web/flow-pages.js';
import { FlowExecutor } from './executor.service.js';
import { executorRoutes, executorViews } from './executor.routes.js';
import { StageRegistry } from './stage-registry.js';
import { invitationStageHandler } from '../../stages/invitation/invitation.stage.js';
import { createInvitationRuntimeRepository } from '../../stages/invitation/invitation-runtime.repository.js';
import { InvitationExtensionsService } from '../../stages/invitation/invitation-extensions.service.js';
import {
  invitationExtensionRoutes,
  invitationExtensionViews,
} from '../../stages/invitation/invitation-extensions.routes.js';
import { createPromptStageHandler } from '../../stages/prompt/prompt.stage.js';
import { PromptService } from '../../stages/prompt/prompt.service.js';
import { promptRoutes, promptViews } from '../../stages/prompt/prompt.routes.js';
import { promptStageOptions } from '../../stages/prompt/prompt-stage.service.js';
import { userWriteStageHandler } from '../../stages/user_write/user-write.stage.js';
import { userWriteStageOptions } from '../../stages/user_write/user-write-stage.service.js';
import {
  PaginatedUserWriteStageList,
  PatchedUserWriteStageRequest,
  UserWriteStage,
  UserWriteStageListQuery,
  UserWriteStageParams,
  UserWriteStageRequest,
} from '../../stages/user_write/user-write-stage.schema.js';
import { userLoginStageHandler } from '../../stages/user_login/user-login.stage.js';
import { userLoginStageOptions } from '../../stages/user_login/user-login-stage.service.js';
import { identificationStageHandler } from '../../stages/identification/identification.stage.js';
import { identificationStageOptions } from '../../stages/identification/identification-stage.service.js';
import { identificationStageRoutes } from '../../stages/identification/identification-stage.routes.js';
import { passwordStageHandler } from '../../stages/password/password.stage.js';
import { passwordStageOptions } from '../../stages/password/password-stage.service.js';
import { passwordStageRoutes } from '../../stages/password/password-stage.routes.js';
import { initialSetupPolicy } from '../blueprints/initial-setup.policy.js';
import { EventWriter } from '../../events/event-writer.service.js';
import {
  PaginatedUserLoginStageList,
  PatchedUserLoginStageRequest,
  UserLoginStage,
  UserLoginStageListQuery,
  UserLoginStageParams,
  UserLoginStageRequest,
} from '../../stages/user_login/user-login-stage.schema.js';

const userWriteRoutes: SubtypeRouteOptions = {
  base: '/stages/user_write/',
  operationPrefix: 'stages_user_write',
  description: 'UserWriteStage Viewset',
  verboseName: 'User Write Stage',
  item: UserWriteStage,
  request: UserWriteStageRequest,
  patched: PatchedUserWriteStageRequest,
  paginated: PaginatedUserWriteStageList,
  params: UserWriteStageParams,
  listQuery: UserWriteStageListQuery,
};

const userLoginRoutes: SubtypeRouteOptions = {
  base: '/stages/user_login/',
  operationPrefix: 'stages_user_login',
  description: 'UserLoginStage Viewset',
  verboseName: 'User Login Stage',
  item: UserLoginStage,
  request: UserLoginStageRequest,
  patched: PatchedUserLoginStageRequest,
  paginated: PaginatedUserLoginStageList,
  params: UserLoginStageParams,
  listQuery: UserLoginStageListQuery,
};

export function executorModule(deps: ModuleDeps): FeatureModule {
  const { db, shared, config, app, database } = deps;
  const { permissions, events, stages } = shared;
  const pages = config.pagination;
  const subtype = (options: typeof userWriteStageOptions) =>
    new SubtypeStageService(db, permissions, events, stages, pages, options);

  const registry = new StageRegistry()
    .register(invitationStageHandler)
    .register(createPromptStageHandler(database.changes))
    .register(userWriteStageHandler)
    .register(userLoginStageHandler)
    .register(identificationStageHandler)
    .register(passwordStageHandler)
    .bindPolicy(initialSetupPolicy);
  const sessions = new SessionStore(db, new EventWriter(db));
  const executor = new FlowExecutor(db, registry, events, app.log, database.changes, shared.limiter);
  const promptStages = subtype(promptStageOptions);

  return {
    routes: [
      ...executorRoutes(executor, sessions),
      ...promptRoutes(new PromptService(db, permissions, events, pages), promptStages),
      ...subtypeRoutes(subtype(userWriteStageOptions), userWriteRoutes),
      ...subtypeRoutes(subtype(userLoginStageOptions), userLoginRoutes),
      ...subtypeRoutes(subtype(identificationStageOptions), identificationStageRoutes),
      ...subtypeRoutes(subtype(passwordStageOptions), passwordStageRoutes),
      ...invitationExtensionRoutes(new InvitationExtensionsService(db, permissions, events, pages)),
    ],
    views: {
      ...executorViews,
      ...promptViews,
      ...subtypeViews(userWriteRoutes),
      ...subtypeViews(userLoginRoutes),
      ...subtypeViews(identificationStageRoutes),
      ...subtypeViews(passwordStageRoutes),
      ...invitationExtensionViews,
    },
    plugin: flowPages(executor, sessions),
    tasks: [
      {
        // Leases of abandoned enrollments free themselves when they run out; this clears them.
        name: 'release_expired_invitation_leases',
        intervalSeconds: 60,
        run: async () => {
          await createInvitationRuntimeRepository(db).releaseExpiredLeases();
        },
      },
      {
        // Django's clearsessions.
        name: 'clear_expired_sessions',
        intervalSeconds: 3600,
        run: async () => {
          await createSessionRepository(db).deleteExpired();
        },
      },
    ],
    provides: { sessions, executor, stageRegistry: registry },
  };
}
