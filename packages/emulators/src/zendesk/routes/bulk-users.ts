import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../http/context.js';

/** Bulk user endpoints: not emulated yet. */
export function registerBulkUserRoutes(_app: FastifyInstance, _ctx: EmulatorContext): void {}
