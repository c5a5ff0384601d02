/** What the user, group and token services are built from, in the app and in the blueprint importer. */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/client.js';
import type { PageSizeSettings } from '../../api/pagination.js';
import type { EventService } from '../../events/event.service.js';
import type { PermissionService } from '../../rbac/permission.service.js';
import type { Install } from '../bootstrap/install.js';

export interface CoreServiceDeps {
  db: Db;
  permissions: PermissionService;
  events: EventService;
  install: Install;
  pageSizes: PageSizeSettings;
}

export function coreServiceDeps(app: FastifyInstance): CoreServiceDeps {
  return {
    db: app.database.db,
    permissions: app.permissions,
    events: app.events,
    install: app.install,
    pageSizes: app.config.pagination,
  };
}
