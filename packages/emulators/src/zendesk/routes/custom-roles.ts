import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../http/context.js';

/** Custom roles: not emulated yet. */
export function registerCustomRoleRoutes(_app: FastifyInstance, _ctx: EmulatorContext): void {}
