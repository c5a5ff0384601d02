/** `/api/v3/stages/password/`: the generic stage-subtype viewset with this type's shapes. */
import type { SubtypeRouteOptions } from '../../flows/stage-subtype.routes.js';
import {
  PaginatedPasswordStageList,
  PasswordStage,
  PasswordStageListQuery,
  PasswordStageParams,
  PasswordStageRequest,
  PatchedPasswordStageRequest,
} from './password-stage.schema.js';

export const passwordStageRoutes: SubtypeRouteOptions = {
  base: '/stages/password/',
  operationPrefix: 'stages_password',
  description: 'PasswordStage Viewset',
  verboseName: 'Password Stage',
  item: PasswordStage,
  request: PasswordStageRequest,
  patched: PatchedPasswordStageRequest,
  paginated: PaginatedPasswordStageList,
  params: PasswordStageParams,
  listQuery: PasswordStageListQuery,
};
