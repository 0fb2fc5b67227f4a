import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../http/context.js';
import {
  audienceConflicts,
  describeConfiguration,
  describeIssues,
  normaliseInput,
  putBodySchema,
} from './config.js';

/**
 * `/__emulator/sso`: the account's JWT single sign-on configurations (secrets masked), the sign-in
 * attempts and the open sessions, for tests and demos (docs/emulators.md, "Single sign-on (JWT)").
 */
export function registerSsoControlPlane(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;
  const { sso } = store;
  const configurations = () => ({ configurations: sso.configurations.map(describeConfiguration) });

  app.get('/__emulator/sso', async () => configurations());

  app.put('/__emulator/sso', async (request, reply) => {
    const parsed = putBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      return reply
        .code(400)
        .send({ error: 'InvalidSsoConfiguration', description: describeIssues(parsed.error) });
    }
    const inputs = parsed.data.configurations.map(normaliseInput);
    const conflicts = audienceConflicts(inputs);
    if (conflicts.length > 0)
      return reply.code(400).send({ error: 'InvalidSsoConfiguration', description: conflicts.join('; ') });
    sso.replace(inputs);
    ctx.changed();
    return configurations();
  });

  app.get('/__emulator/sso/events', async () => ({ events: sso.events }));

  app.delete('/__emulator/sso/events', async () => {
    sso.clearEvents();
    return { events: sso.events };
  });

  app.get('/__emulator/sso/sessions', async () => ({
    sessions: sso.listSessions().map((s) => {
      const user = store.users.get(s.userId);
      return {
        userId: s.userId,
        email: store.primaryEmail(s.userId),
        role: user?.role ?? null,
        configurationId: s.configurationId,
        createdAt: store.clock.iso(s.createdAt),
      };
    }),
  }));
}
