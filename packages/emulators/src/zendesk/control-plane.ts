import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { registerCommonControlRoutes } from '../common/control-plane.js';
import { FaultSpecError, formatFaultSpec, parseFaultSpec } from '../common/faults.js';
import type { EmulatorContext } from './http/context.js';
import { Renderer } from './model/render.js';
import { isPlan, planNames, requestsPerMinute } from './options.js';
import { applySeed, SeedError } from './seed.js';

const configSchema = z.strictObject({
  plan: z
    .string()
    .refine(isPlan, { message: `must be one of ${planNames.join(', ')}` })
    .optional(),
  subdomain: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/i, 'letters, digits and hyphens')
    .optional(),
  bulkImport: z.boolean().optional(),
  rateLimits: z.boolean().optional(),
  requestsPerMinute: z.number().int().positive().nullable().optional(),
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
  jobStepMs: z.number().int().min(0).max(60_000).optional(),
  clockOffsetMs: z.number().int().optional(),
});

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

/**
 * The control plane under `/__emulator/`: never mixed with API paths, never authenticated, rate
 * limited, faulted or counted. Tests and demos drive the emulator through it.
 */
export function registerControlPlane(
  app: FastifyInstance,
  ctx: EmulatorContext,
  lifecycle: { reset(options: { empty: boolean }): void },
): void {
  const { store } = ctx;

  const config = () => ({
    plan: store.settings.plan,
    subdomain: store.settings.subdomain,
    bulkImport: store.settings.bulkImport,
    rateLimits: store.settings.rateLimits,
    requestsPerMinute: requestsPerMinute(store.settings),
    faults: formatFaultSpec(store.settings.faults),
    jobStepMs: store.settings.jobStepMs,
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
    if (body.faults !== undefined) {
      store.settings.faults = body.faults;
      ctx.faults.configure(body.faults);
    }
    if (body.plan !== undefined && isPlan(body.plan)) store.settings.plan = body.plan;
    if (body.subdomain !== undefined) store.settings.subdomain = body.subdomain.toLowerCase();
    if (body.bulkImport !== undefined) store.settings.bulkImport = body.bulkImport;
    if (body.rateLimits !== undefined) store.settings.rateLimits = body.rateLimits;
    if (body.requestsPerMinute !== undefined) store.settings.requestsPerMinute = body.requestsPerMinute;
    if (body.jobStepMs !== undefined) store.settings.jobStepMs = body.jobStepMs;
    if (body.clockOffsetMs !== undefined) {
      store.settings.clockOffsetMs = body.clockOffsetMs;
      store.clock.offsetMs = body.clockOffsetMs;
    }
    ctx.changed();
    return config();
  });

  app.get('/__emulator/state', async (request) => {
    const render = new Renderer(store, `${request.protocol}://${request.headers.host ?? request.host}`);
    return {
      config: config(),
      users: [...store.users.ascending()].map((u) => render.user(u)),
      identities: [...store.identities.ascending()].map((i) => render.identity(i)),
      groups: [...store.groups.ascending()].map((g) => render.group(g)),
      group_memberships: [...store.memberships.ascending()].map((m) => render.membership(m)),
      custom_roles: [...store.customRoles.ascending()].map((r) => render.customRole(r)),
      user_fields: [...store.userFields.ascending()].map((f) => render.userField(f)),
      job_statuses: [...store.jobs.values()].map((j) => render.job(j)),
    };
  });
}
