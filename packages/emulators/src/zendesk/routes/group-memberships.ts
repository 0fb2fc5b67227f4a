import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../http/context.js';

/** Group memberships: not emulated yet. */
export function registerMembershipRoutes(_app: FastifyInstance, _ctx: EmulatorContext): void {}
