import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../http/context.js';

/** Groups: not emulated yet. */
export function registerGroupRoutes(_app: FastifyInstance, _ctx: EmulatorContext): void {}
