import type { FastifyInstance } from 'fastify';
import { requireAgent } from '../http/auth.js';
import type { EmulatorContext } from '../http/context.js';
import { arraySource, paginate } from '../http/pagination.js';
import { envelope, idParam } from '../http/params.js';
import { recordInvalid, recordNotFound } from '../model/errors.js';
import type { IdentityRecord } from '../model/types.js';
import { activeUser, emailPattern, identityTypes, makeIdentityPrimary } from '../model/users.js';

/**
 * User identities: list, show, create, make_primary, delete. An email added on user update becomes
 * a secondary identity; `make_primary` is how the primary address changes (Users API reference, `email`;
 * https://developer.zendesk.com/api-reference/ticketing/users/user_identities/).
 */
export function registerIdentityRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  const identityOf = (userId: number, identityId: number): IdentityRecord => {
    const identity = store.identities.get(identityId);
    if (!identity || identity.userId !== userId) throw recordNotFound();
    return identity;
  };

  app.get('/api/v2/users/:user_id/identities', async (request) => {
    requireAgent(request);
    const user = activeUser(store, idParam(request, 'user_id'));
    const identities = store.identitiesOf(user.id).sort((a, b) => a.id - b.id);
    return paginate(
      request.zd.page,
      'identities',
      arraySource(identities, (i) => i.id),
      (i) => request.zd.render.identity(i),
    );
  });

  app.get('/api/v2/users/:user_id/identities/:id', async (request) => {
    requireAgent(request);
    const user = activeUser(store, idParam(request, 'user_id'));
    return { identity: request.zd.render.identity(identityOf(user.id, idParam(request))) };
  });

  app.post('/api/v2/users/:user_id/identities', async (request, reply) => {
    requireAgent(request);
    const user = activeUser(store, idParam(request, 'user_id'));
    const input = envelope(request, 'identity');
    const type = input['type'];
    const value = input['value'];
    if (typeof type !== 'string' || !identityTypes.includes(type as IdentityRecord['type'])) {
      throw recordInvalid({
        type: [{ description: `Type: ${String(type)} is not included in the list`, error: 'InvalidValue' }],
      });
    }
    if (typeof value !== 'string' || value === '') {
      throw recordInvalid({ value: [{ description: 'Value: cannot be blank', error: 'BlankValue' }] });
    }
    if (type === 'email') {
      if (!emailPattern.test(value)) {
        throw recordInvalid({
          value: [{ description: `Value: ${value} is not properly formatted`, error: 'InvalidFormat' }],
        });
      }
      if (store.userByEmail(value)) {
        throw recordInvalid({
          value: [
            { description: `Value: ${value} is already being used by another user`, error: 'DuplicateValue' },
          ],
        });
      }
    }
    const now = store.clock.now();
    const identity: IdentityRecord = {
      id: store.nextId('identity'),
      userId: user.id,
      type: type as IdentityRecord['type'],
      value,
      primary: !store.primaryIdentityOfType(user.id, type as IdentityRecord['type']),
      verified: input['verified'] === true,
      createdAt: now,
      updatedAt: now,
    };
    store.addIdentity(identity);
    user.updatedAt = now;
    ctx.changed();
    return reply.code(201).send({ identity: request.zd.render.identity(identity) });
  });

  app.put('/api/v2/users/:user_id/identities/:id/make_primary', async (request) => {
    requireAgent(request);
    const user = activeUser(store, idParam(request, 'user_id'));
    makeIdentityPrimary(store, user, identityOf(user.id, idParam(request)));
    ctx.changed();
    return { identities: store.identitiesOf(user.id).map((i) => request.zd.render.identity(i)) };
  });

  app.delete('/api/v2/users/:user_id/identities/:id', async (request, reply) => {
    requireAgent(request);
    const user = activeUser(store, idParam(request, 'user_id'));
    const identity = identityOf(user.id, idParam(request));
    store.removeIdentity(identity);
    if (identity.primary) {
      const next = store.identitiesOf(user.id).find((i) => i.type === identity.type);
      if (next) next.primary = true;
    }
    user.updatedAt = store.clock.now();
    ctx.changed();
    return reply.code(204).send();
  });
}
