import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { registerCommonControlRoutes } from '../common/control-plane.js';
import { FaultSpecError, formatFaultSpec, parseFaultSpec } from '../common/faults.js';
import { KeyedRateWindows } from '../common/rate-limit.js';
import type { EntraContext } from './http/context.js';
import {
  applicationJson,
  assignmentJson,
  groupJson,
  servicePrincipalJson,
  userJson,
} from './model/render.js';
import { applySeed, SeedError } from './seed.js';

const configSchema = z.strictObject({
  rateLimits: z.boolean().optional(),
  requestsPerWindow: z.number().int().positive().optional(),
  windowSeconds: z.number().int().positive().max(3600).optional(),
  pageSize: z.number().int().min(1).max(999).optional(),
  tokenLifetimeSeconds: z.number().int().min(1).optional(),
  // Parsed here so that a bad fault spec is listed with the other problems of the body.
  faults: z
    .string()
    .transform((text, issues) => {
      try {
        return parseFaultSpec(text);
      } catch (error) {
        if (!(error instanceof FaultSpecError)) throw error;
        issues.addIssue({ code: 'custom', message: error.message.replace(/^invalid --faults: /, '') });
        return z.NEVER;
      }
    })
    .optional(),
  clockOffsetMs: z.number().int().optional(),
});

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

/**
 * The control plane under `/__emulator/`: never authenticated, throttled, faulted or counted. Same
 * routes and shapes as the Zendesk emulator's where they overlap (config, reset, seed, state, requests).
 */
export function registerControlPlane(
  app: FastifyInstance,
  ctx: EntraContext,
  lifecycle: { reset(options: { empty: boolean }): void },
): void {
  const { store } = ctx;
  const config = () => ({
    tenantId: store.tenant.tenantId,
    domain: store.tenant.domain,
    rateLimits: store.settings.rateLimits,
    requestsPerWindow: store.settings.requestsPerWindow,
    windowSeconds: store.settings.windowSeconds,
    pageSize: store.settings.pageSize,
    tokenLifetimeSeconds: store.settings.tokenLifetimeSeconds,
    faults: formatFaultSpec(store.settings.faults),
    clockOffsetMs: store.clock.offsetMs,
  });

  registerCommonControlRoutes(app, {
    requestLog: ctx.requestLog,
    reset: (options) => lifecycle.reset(options),
    seed: (body) => {
      applySeed(store, body);
      return { users: store.users.size, groups: store.groups.size };
    },
    isSeedError: (error): error is Error => error instanceof SeedError,
    changed: () => ctx.changed(),
  });

  app.get('/__emulator/config', async () => config());

  app.put('/__emulator/config', async (request, reply) => {
    const parsed = configSchema.safeParse(request.body ?? {});
    if (!parsed.success)
      return reply.code(400).send({ error: 'InvalidConfig', description: describeIssues(parsed.error) });
    const body = parsed.data;
    const s = store.settings;
    if (body.faults !== undefined) {
      s.faults = body.faults;
      ctx.faults.configure(body.faults);
    }
    if (body.rateLimits !== undefined) s.rateLimits = body.rateLimits;
    if (body.pageSize !== undefined) s.pageSize = body.pageSize;
    if (body.tokenLifetimeSeconds !== undefined) s.tokenLifetimeSeconds = body.tokenLifetimeSeconds;
    if (body.requestsPerWindow !== undefined || body.windowSeconds !== undefined) {
      s.requestsPerWindow = body.requestsPerWindow ?? s.requestsPerWindow;
      s.windowSeconds = body.windowSeconds ?? s.windowSeconds;
      ctx.throttles = new KeyedRateWindows(s.requestsPerWindow, s.windowSeconds * 1000);
    }
    if (body.clockOffsetMs !== undefined) {
      s.clockOffsetMs = body.clockOffsetMs;
      store.clock.offsetMs = body.clockOffsetMs;
    }
    ctx.changed();
    return config();
  });

  app.get('/__emulator/state', async () => ({
    config: config(),
    users: [...store.users.ascending()].map(userJson),
    groups: [...store.groups.ascending()].map((g) => ({
      ...groupJson(g),
      members: [...(store.membersOf.get(g.id) ?? [])],
    })),
    applications: [...store.applications.ascending()].map(applicationJson),
    servicePrincipals: [...store.servicePrincipals.ascending()].map((sp) => servicePrincipalJson(store, sp)),
    appRoleAssignments: [...store.appRoleAssignments.ascending()].map((a) => assignmentJson(store, a)),
  }));
}
