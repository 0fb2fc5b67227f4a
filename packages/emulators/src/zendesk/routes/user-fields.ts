import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../http/context.js';

/** User fields: not emulated yet. */
export function registerUserFieldRoutes(_app: FastifyInstance, _ctx: EmulatorContext): void {}
