import type { FastifyInstance } from 'fastify';
import type { RequestLog } from './request-log.js';

/** What an emulator provides so that its control plane answers like every other emulator's. */
export interface CommonControl {
  readonly requestLog: RequestLog;
  /** Back to the start-up state; `empty` leaves out the start-up seed. */
  reset(options: { empty: boolean }): void;
  /** Applies a seed and returns totals for the answer; throws a seed error for a refused seed. */
  seed(body: unknown): Record<string, number>;
  /** Whether an error thrown by `seed` is the seed's fault (answered 400 InvalidSeed). */
  isSeedError(error: unknown): error is Error;
  /** The state changed (persistence). */
  changed(): void;
}

/**
 * The control-plane routes both emulators share, with the same shapes, so that tools treat them
 * alike: health, reset, seed, and the request counts. Config and state stay emulator-specific.
 */
export function registerCommonControlRoutes(app: FastifyInstance, control: CommonControl): void {
  app.get('/__emulator/health', async () => ({ ok: true }));

  app.post('/__emulator/reset', async (request) => {
    const body = (request.body ?? {}) as { empty?: unknown };
    control.reset({ empty: body.empty === true });
    return { ok: true };
  });

  app.post('/__emulator/seed', async (request, reply) => {
    let totals: Record<string, number>;
    try {
      totals = control.seed(request.body ?? {});
    } catch (error) {
      if (control.isSeedError(error))
        return reply.code(400).send({ error: 'InvalidSeed', description: error.message });
      throw error;
    } finally {
      control.changed();
    }
    return { ok: true, ...totals };
  });

  app.get('/__emulator/requests', async () => control.requestLog.snapshot());

  app.delete('/__emulator/requests', async () => {
    control.requestLog.clear();
    return control.requestLog.snapshot();
  });
}
