/** UserLogoutStage wire shapes (authentik/stages/user_logout/api.py): a stage with no settings. */
import { stageSchemas } from '../../flows/stage.schema.js';

export const userLogoutStageSchemas = stageSchemas('UserLogoutStage', 'User Logout Stage', {}, {});
