import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../http/context.js';

/** Incremental user export: not emulated yet. */
export function registerIncrementalRoutes(_app: FastifyInstance, _ctx: EmulatorContext): void {}
