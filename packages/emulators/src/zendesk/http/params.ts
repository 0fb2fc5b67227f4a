import type { FastifyRequest } from 'fastify';
import { badRequest, recordNotFound } from '../model/errors.js';
import { type Query, single } from './pagination.js';

/** A numeric id path parameter; anything else is a record that cannot exist (404). */
export function idParam(request: FastifyRequest, name = 'id'): number {
  const raw = (request.params as Record<string, string | undefined>)[name];
  const id = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || !Number.isSafeInteger(id)) throw recordNotFound();
  return id;
}

export function query(request: FastifyRequest): Query {
  return request.query as Query;
}

/** A comma-separated list parameter (`ids=1,2,3`), at most `max` entries. */
export function listParam(request: FastifyRequest, name: string, max = 100): string[] | undefined {
  const raw = single(query(request), name);
  if (raw === undefined) return undefined;
  const values = raw
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (values.length > max) throw badRequest(`${name} accepts at most ${max} values`, 'TooManyValues');
  return values;
}

export function idListParam(request: FastifyRequest, name: string, max = 100): number[] | undefined {
  const values = listParam(request, name, max);
  if (values === undefined) return undefined;
  return values.map((v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
      throw badRequest(`${name} must be a comma-separated list of ids`);
    return n;
  });
}

export function boolParam(request: FastifyRequest, name: string): boolean {
  const raw = single(query(request), name);
  return raw === 'true' || raw === '1';
}

/** The object under the envelope key of a request body (`{"user": {...}}`). */
export function envelope(request: FastifyRequest, key: string): Record<string, unknown> {
  const body = request.body as Record<string, unknown> | undefined;
  const value = body?.[key];
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`The request body must be a JSON object with a "${key}" object`, 'InvalidParameter');
  }
  return value as Record<string, unknown>;
}
