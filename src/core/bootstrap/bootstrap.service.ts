/**
 * Start-up provisioning, idempotent across restarts: the permission catalogue, the install id,
 * and authentik's bootstrap admin (`akadmin` in the superuser group "authentik Admins", with
 * AUTHENTIK_BOOTSTRAP_PASSWORD / _EMAIL / _TOKEN applied when set). The default flows are
 * created after it, at start (src/blueprints/default/).
 * @see authentik/core/management/commands/bootstrap (blueprint `default/default-...-admin`)
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { BootstrapConfig } from '../../config.js';
import { permissionEntries } from '../../rbac/permission-catalogue.js';
import { hashPassword } from '../users/password.js';
import { createBootstrapRepository } from './bootstrap.repository.js';

export const ADMIN_USERNAME = 'akadmin';
export const ADMIN_GROUP = 'authentik Admins';
export const BOOTSTRAP_TOKEN_IDENTIFIER = 'authentik-bootstrap-token';

export interface BootstrapResult {
  installId: string;
}

export async function bootstrap(db: Db, config: BootstrapConfig): Promise<BootstrapResult> {
  const passwordHash = config.password ? await hashPassword(config.password) : undefined;
  return db.transaction(async (tx) => {
    const repository = createBootstrapRepository(tx);
    await repository.syncPermissions(permissionEntries());
    const installId = String(await repository.ensureSetting('install_id', randomUUID()));
    const groupUuid = await repository.ensureSuperuserGroup(ADMIN_GROUP);
    const adminId = await repository.upsertAdmin({
      username: ADMIN_USERNAME,
      name: 'authentik Default Admin',
      email: config.email,
      passwordHash,
    });
    await repository.addToGroup(adminId, groupUuid);
    if (config.token) {
      await repository.upsertToken({
        identifier: BOOTSTRAP_TOKEN_IDENTIFIER,
        key: config.token,
        userId: adminId,
        description: 'Token created from AUTHENTIK_BOOTSTRAP_TOKEN',
      });
    }
    return { installId };
  });
}
