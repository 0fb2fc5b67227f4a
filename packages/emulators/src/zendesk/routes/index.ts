import type { RouteModule } from '../http/app.js';
import { registerRemoteAuthenticationRoutes } from '../sso/routes.js';
import { registerBulkUserRoutes } from './bulk-users.js';
import { registerCustomRoleRoutes } from './custom-roles.js';
import { registerDeletedUserRoutes } from './deleted-users.js';
import { registerMembershipRoutes } from './group-memberships.js';
import { registerGroupRoutes } from './groups.js';
import { registerIdentityRoutes } from './identities.js';
import { registerIncrementalRoutes } from './incremental.js';
import { registerJobStatusRoutes } from './job-statuses.js';
import { registerUserFieldRoutes } from './user-fields.js';
import { registerUserRoutes } from './users.js';

/** Every endpoint family of the Zendesk Support API the emulator serves, one module each. */
export const apiRoutes: readonly RouteModule[] = [
  registerUserRoutes,
  registerIdentityRoutes,
  registerDeletedUserRoutes,
  registerBulkUserRoutes,
  registerJobStatusRoutes,
  registerGroupRoutes,
  registerMembershipRoutes,
  registerCustomRoleRoutes,
  registerUserFieldRoutes,
  registerIncrementalRoutes,
  registerRemoteAuthenticationRoutes,
];
