import type { FastifyInstance } from 'fastify';

/**
 * Replaces Fastify's JSON body parser: empty bodies (common on DELETE, sent with a JSON content
 * type by many clients) are accepted as no body; malformed JSON becomes the API's own 400 error.
 */
export function acceptJsonBodies(app: FastifyInstance, malformed: () => Error): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(malformed(), undefined);
    }
  });
}
