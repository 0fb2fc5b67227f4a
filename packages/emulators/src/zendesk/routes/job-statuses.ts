import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../http/context.js';

/** Job statuses: not emulated yet. */
export function registerJobStatusRoutes(_app: FastifyInstance, _ctx: EmulatorContext): void {}
