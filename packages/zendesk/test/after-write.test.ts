import { describe, expect, it } from 'vitest';
import { storedAfterWrite, targetUserOf } from '../src/connector/after-write.js';

const agent = {
  id: 7,
  name: 'Ada',
  email: 'ada@example.com',
  role: 'agent',
  custom_role_id: 42,
  suspended: false,
  default_group_id: 3,
  user_fields: { department: 'Support', remote: true },
  locale: 'de',
  locale_id: 8,
};

describe('storedAfterWrite', () => {
  it('a create starts from Zendesk defaults: an end user, "requested" tickets, blank texts as ""', () => {
    expect(
      storedAfterWrite(null, { name: '  Ada  ', email: ' Ada@Example.com ', alias: null }),
    ).toMatchObject({
      name: 'Ada',
      email: 'Ada@Example.com',
      role: 'end-user',
      custom_role_id: null,
      alias: '',
      ticket_restriction: 'requested',
      suspended: false,
      active: true,
    });
  });

  it('keeps an agent’s custom role unless the role changes or one is sent', () => {
    expect(storedAfterWrite(agent, { name: 'Ada L.' })?.['custom_role_id']).toBe(42);
    expect(storedAfterWrite(agent, { custom_role_id: 5, role: 'agent' })?.['custom_role_id']).toBe(5);
    const downgraded = storedAfterWrite(agent, { role: 'end-user', custom_role_id: null, suspended: true });
    expect(downgraded).toMatchObject({ role: 'end-user', custom_role_id: null, suspended: true });
    expect(downgraded).not.toHaveProperty('default_group_id');
    expect(storedAfterWrite(agent, { role: 'admin' })?.['custom_role_id']).toBeNull();
  });

  it('merges user fields key by key; "" and null clear one', () => {
    expect(storedAfterWrite(agent, { user_fields: { department: '' } })?.['user_fields']).toEqual({
      department: null,
      remote: true,
    });
  });

  it('ignores a null locale on an update; a new locale drops the id Zendesk derives from it', () => {
    expect(storedAfterWrite(agent, { locale: null })).toMatchObject({ locale: 'de', locale_id: 8 });
    const changed = storedAfterWrite(agent, { locale: 'fr' });
    expect(changed?.['locale']).toBe('fr');
    expect(changed).not.toHaveProperty('locale_id');
  });

  it('cannot compute what depends on Zendesk alone: null for those bodies', () => {
    expect(storedAfterWrite(null, { name: 'New', locale: null })).toBeNull(); // the account's default
    expect(storedAfterWrite(agent, { email: 'new@example.com' })).toBeNull(); // a secondary identity
    expect(storedAfterWrite(agent, { identities: [] })).toBeNull();
    expect(storedAfterWrite(agent, { organization: { name: 'Acme' } })).toBeNull();
    expect(storedAfterWrite(agent, { locale_id: 8 })).toBeNull();
  });

  it('lower-cases and de-duplicates tags; an empty phone is null; a numeric external id is text', () => {
    expect(storedAfterWrite(agent, { tags: 'VIP vip, Beta', phone: '', external_id: 12 })).toMatchObject({
      tags: ['vip', 'beta'],
      phone: null,
      external_id: '12',
    });
  });
});

describe('targetUserOf', () => {
  it('names and flags the user as toTargetUser does', () => {
    const user = targetUserOf(7, { ...agent, suspended: true });
    expect(user).toMatchObject({
      id: '7',
      active: true,
      disabled: true,
      displayName: 'Ada <ada@example.com>',
    });
    expect(user.attributes['id']).toBe(7);
  });
});
