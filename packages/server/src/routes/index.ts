/**
 * Every route module of the admin API, in one list: adding a module here is how a route exists.
 * Each module declares, per route, who may call it (`config.access`) and its zod schemas.
 */
import type { ServerContext } from '../context.js';
import type { ApiApp } from '../http/app.js';
import { accountRoutes } from './accounts.js';
import { applicationRoutes } from './applications.js';
import { auditLogRoutes } from './audit-logs.js';
import { authRoutes } from './auth.js';
import { consoleRoutes } from './console.js';
import { cycleRoutes } from './cycles.js';
import { linkRoutes } from './links.js';
import { oidcRoutes } from './oidc.js';
import { onDemandRoutes } from './on-demand.js';
import { planRoutes } from './plan.js';
import { provisioningRoutes } from './provisioning.js';
import { scopingFilterRoutes } from './scoping-filters.js';
import { serviceRoutes } from './service.js';
import { singleSignOnRoutes } from './single-sign-on.js';
import { sourceObjectRoutes } from './source-objects.js';
import { synchronizationJobRoutes } from './synchronization-jobs.js';
import { synchronizationSchemaRoutes } from './synchronization-schema.js';
import { synchronizationSecretsRoutes } from './synchronization-secrets.js';
import { tokenRoutes } from './tokens.js';

export type RouteModule = (app: ApiApp, context: ServerContext) => void;

export const routeModules: readonly RouteModule[] = [
  serviceRoutes,
  authRoutes,
  oidcRoutes,
  tokenRoutes,
  accountRoutes,
  applicationRoutes,
  synchronizationJobRoutes,
  synchronizationSecretsRoutes,
  synchronizationSchemaRoutes,
  onDemandRoutes,
  planRoutes,
  auditLogRoutes,
  cycleRoutes,
  sourceObjectRoutes,
  provisioningRoutes,
  scopingFilterRoutes,
  singleSignOnRoutes,
  linkRoutes,
  // Its `/*` answers only the GETs that no other route matches (a wildcard ranks last).
  consoleRoutes,
];
