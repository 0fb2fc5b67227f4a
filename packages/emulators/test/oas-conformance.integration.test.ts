import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadZendeskOas } from './support/oas.js';
import { expectConforming, RecordingClient } from './support/oas-recorder.js';
import { type Harness, startHarness, TestClient, waitForJob } from './support/zendesk.js';

/**
 * Drives every API route the emulator serves with a successful request, then validates every 2xx
 * answer against Zendesk's official OpenAPI document (https://developer.zendesk.com/zendesk/oas.yaml,
 * read at test time as data from ../shared/reference beside the repository; see support/oas.ts)
 * and checks that no route was left out. Known, deliberate deviations (the real API differs from
 * the document) are listed in support/oas-recorder.ts with their reasons.
 */
const oas = await loadZendeskOas();
if (!oas.validator) console.warn(`skipping OpenAPI conformance: ${oas.reason}`);

describe.skipIf(!oas.validator)('responses conform to Zendesk OpenAPI document', () => {
  let h: Harness;
  let api: RecordingClient;

  beforeAll(async () => {
    h = await startHarness({
      plan: 'enterprise',
      bulkImport: true,
      sso: {
        jwt: {
          sharedSecret: 'conformance-shared-secret-0123456789',
          remoteLoginUrl: 'https://idp.example.test/zendesk/sso',
          teamMembers: false,
        },
      },
    });
    api = new RecordingClient(h.emulator.url, TestClient.basic(h.emulator.adminEmail, h.emulator.apiToken));
    await api.control('POST', 'seed', {
      userFields: [
        { key: 'department', type: 'text', title: 'Department' },
        { key: 'region', type: 'dropdown', options: [{ name: 'EMEA', value: 'emea' }] },
      ],
    });
  });
  afterAll(() => h.close());

  it('covers every route with a conforming 2xx answer', async () => {
    const ok = async (answer: Promise<{ status: number; body: unknown; text: string }>) => {
      const a = await answer;
      expect(a.status, a.text).toBeLessThan(300);
      // biome-ignore lint/suspicious/noExplicitAny: navigating JSON bodies
      return a.body as any;
    };
    // 1. users, identities
    const me = await ok(api.get('/api/v2/users/me.json'));
    const agent = (
      await ok(
        api.post('/api/v2/users.json', {
          user: { name: 'Agent A', email: 'agent.a@example.com', role: 'agent', verified: true },
        }),
      )
    ).user;
    const endUser = (
      await ok(
        api.post('/api/v2/users', {
          user: {
            name: 'End U',
            email: 'end.u@example.com',
            external_id: 'e-1',
            phone: '+15550000001',
            user_fields: { region: 'emea' },
          },
        }),
      )
    ).user;
    await ok(
      api.post('/api/v2/users/create_or_update.json', { user: { name: 'Upsert', email: 'up@example.com' } }),
    );
    await ok(
      api.post('/api/v2/users/create_or_update.json', {
        user: { name: 'Upsert 2', email: 'up@example.com' },
      }),
    );
    await ok(api.get('/api/v2/users.json?page[size]=2'));
    await ok(api.get('/api/v2/users.json?per_page=2&role=agent'));
    await ok(api.get(`/api/v2/users/${endUser.id}.json`));
    await ok(api.get(`/api/v2/users/show_many.json?ids=${endUser.id},${agent.id}`));
    await ok(api.get('/api/v2/users/show_many.json?external_ids=e-1'));
    await ok(api.get('/api/v2/users/search.json?query=email:end.u@example.com'));
    await ok(api.get('/api/v2/users/count.json'));
    await ok(
      api.put(`/api/v2/users/${endUser.id}.json`, { user: { email: 'end.u2@example.com', notes: 'n' } }),
    );
    const identities = (await ok(api.get(`/api/v2/users/${endUser.id}/identities.json`))).identities;
    await ok(api.get(`/api/v2/users/${endUser.id}/identities/${identities[0].id}.json`));
    const phone = (
      await ok(
        api.post(`/api/v2/users/${endUser.id}/identities.json`, {
          identity: { type: 'phone_number', value: '+15550000002' },
        }),
      )
    ).identity;
    await ok(api.put(`/api/v2/users/${endUser.id}/identities/${identities[1].id}/make_primary.json`));
    await ok(api.delete(`/api/v2/users/${endUser.id}/identities/${phone.id}.json`));

    // 2. groups and memberships
    const group = (
      await ok(api.post('/api/v2/groups.json', { group: { name: 'Tier 2', description: 'Second line' } }))
    ).group;
    const other = (await ok(api.post('/api/v2/groups.json', { group: { name: 'Doomed' } }))).group;
    await ok(api.get('/api/v2/groups.json?page[size]=10'));
    await ok(api.get('/api/v2/groups.json'));
    await ok(api.get(`/api/v2/groups/${group.id}.json`));
    await ok(api.put(`/api/v2/groups/${group.id}.json`, { group: { description: 'Escalations' } }));
    await ok(api.get('/api/v2/groups/count.json'));
    await ok(api.get('/api/v2/groups/assignable.json'));
    const membership = (
      await ok(
        api.post('/api/v2/group_memberships.json', {
          group_membership: { user_id: agent.id, group_id: group.id },
        }),
      )
    ).group_membership;
    await ok(api.get('/api/v2/group_memberships.json'));
    await ok(api.get(`/api/v2/group_memberships/${membership.id}.json`));
    await ok(api.get('/api/v2/group_memberships/assignable.json'));
    await ok(api.get(`/api/v2/users/${agent.id}/group_memberships.json?page[size]=5`));
    await ok(api.get(`/api/v2/users/${agent.id}/group_memberships/${membership.id}.json`));
    await ok(api.put(`/api/v2/users/${agent.id}/group_memberships/${membership.id}/make_default.json`));
    await ok(api.get(`/api/v2/groups/${group.id}/memberships.json`));
    await ok(api.get(`/api/v2/groups/${group.id}/memberships/assignable.json`));
    await ok(api.get(`/api/v2/groups/${group.id}/users.json`));
    await ok(api.get(`/api/v2/groups/${group.id}/users/count.json`));
    await ok(api.get(`/api/v2/users/${agent.id}/groups.json`));
    await ok(api.get(`/api/v2/users/${agent.id}/groups/count.json`));
    const second = (
      await ok(
        api.post(`/api/v2/users/${agent.id}/group_memberships.json`, {
          group_membership: { user_id: agent.id, group_id: other.id },
        }),
      )
    ).group_membership;
    await ok(api.delete(`/api/v2/users/${agent.id}/group_memberships/${second.id}.json`));
    const third = (
      await ok(
        api.post('/api/v2/group_memberships.json', {
          group_membership: { user_id: me.user.id, group_id: other.id },
        }),
      )
    ).group_membership;
    await ok(api.delete(`/api/v2/group_memberships/${third.id}.json`));
    const created = (
      await ok(
        api.post('/api/v2/group_memberships/create_many.json', {
          group_memberships: [{ user_id: me.user.id, group_id: other.id }],
        }),
      )
    ).job_status;
    const createdDone = await waitForJob(api, created.id);
    const destroyed = (
      await ok(api.delete(`/api/v2/group_memberships/destroy_many.json?ids=${createdDone.results[0].id}`))
    ).job_status;
    await waitForJob(api, destroyed.id);
    await ok(api.delete(`/api/v2/groups/${other.id}.json`));

    // 3. custom roles and user fields
    const roles = (await ok(api.get('/api/v2/custom_roles.json'))).custom_roles;
    await ok(api.get(`/api/v2/custom_roles/${roles[0].id}.json`));
    const role = (
      await ok(
        api.post('/api/v2/custom_roles.json', {
          custom_role: { name: 'Billing', configuration: { ticket_access: 'within-groups' } },
        }),
      )
    ).custom_role;
    await ok(api.put(`/api/v2/custom_roles/${role.id}.json`, { custom_role: { description: 'Invoices' } }));
    await ok(api.delete(`/api/v2/custom_roles/${role.id}.json`));
    const fields = (await ok(api.get('/api/v2/user_fields.json'))).user_fields;
    await ok(api.get(`/api/v2/user_fields/${fields[0].id}.json`));
    const field = (
      await ok(
        api.post('/api/v2/user_fields.json', {
          user_field: { key: 'cost_center', type: 'integer', title: 'Cost center' },
        }),
      )
    ).user_field;
    await ok(api.put(`/api/v2/user_fields/${field.id}.json`, { user_field: { title: 'Cost centre' } }));
    await ok(api.delete(`/api/v2/user_fields/${field.id}.json`));

    // 4. bulk users and job statuses
    const jobs: string[] = [];
    jobs.push(
      (
        await ok(
          api.post('/api/v2/users/create_many.json', {
            users: [
              { name: 'Bulk 1', email: 'bulk1@example.com', external_id: 'b-1' },
              { name: 'Bulk 2', email: 'bulk2@example.com' },
            ],
          }),
        )
      ).job_status.id,
    );
    jobs.push(
      (
        await ok(
          api.post('/api/v2/users/create_or_update_many.json', {
            users: [
              { name: 'Bulk 1b', email: 'bulk1@example.com' },
              { name: 'Bulk 3', email: 'bulk3@example.com' },
            ],
          }),
        )
      ).job_status.id,
    );
    for (const id of jobs) await waitForJob(api, id);
    jobs.push(
      (
        await ok(
          api.put('/api/v2/users/update_many.json?external_ids=b-1', { user: { notes: 'same for all' } }),
        )
      ).job_status.id,
    );
    jobs.push(
      (await ok(api.put('/api/v2/users/update_many.json', { users: [{ external_id: 'b-1', alias: 'B1' }] })))
        .job_status.id,
    );
    await waitForJob(api, jobs[3] as string);
    jobs.push((await ok(api.delete('/api/v2/users/destroy_many.json?external_ids=b-1'))).job_status.id);
    for (const id of jobs) await waitForJob(api, id);
    await ok(api.get(`/api/v2/job_statuses/${jobs[0]}.json`));
    await ok(api.get(`/api/v2/job_statuses/show_many.json?ids=${jobs.join(',')}`));
    await ok(api.get('/api/v2/job_statuses.json'));

    // 5. deleted users, then the incremental export over the whole history
    await ok(api.delete(`/api/v2/users/${endUser.id}.json`));
    await ok(api.get('/api/v2/deleted_users.json'));
    await ok(api.get(`/api/v2/deleted_users/${endUser.id}.json`));
    await ok(api.get('/api/v2/deleted_users/count.json'));
    await ok(api.delete(`/api/v2/deleted_users/${endUser.id}.json`));
    await api.control('PUT', 'config', { clockOffsetMs: 5 * 60_000 });
    const since = Math.floor(Date.now() / 1000) - 3600;
    const cursorPage = await ok(api.get(`/api/v2/incremental/users/cursor.json?start_time=${since}`));
    expect(cursorPage.users.length).toBeGreaterThan(3);
    const timePage = await ok(api.get(`/api/v2/incremental/users.json?start_time=${since}`));
    expect(timePage.users.length).toBeGreaterThan(3);

    // 6. single sign-on: an active configuration for end users (no logout URL) and an inactive one
    await ok(api.get('/api/v2/remote_authentications.json'));
    await api.control('PUT', 'sso', {
      configurations: [
        {
          name: 'Staff IdP',
          sharedSecret: 'conformance-staff-secret-0123456789',
          remoteLoginUrl: 'https://staff.example.test/sso',
          remoteLogoutUrl: 'https://staff.example.test/logout',
          teamMembers: true,
          endUsers: false,
          active: false,
          updateExternalIds: true,
        },
      ],
    });
    await ok(api.get('/api/v2/remote_authentications'));

    // Every registered API route answered at least once with a 2xx, and every 2xx conforms.
    const log = (await api.control('GET', 'requests')).body as {
      byRoute: { method: string; route: string; status: number }[];
    };
    const answered = new Set(log.byRoute.filter((r) => r.status < 300).map((r) => `${r.method} ${r.route}`));
    const missing = h.emulator.app.zendeskApiRoutes.filter((route) => !answered.has(route));
    expect(missing).toEqual([]);
    const validator = oas.validator;
    if (!validator) throw new Error('unreachable: suite is skipped without a validator');
    const covered = expectConforming(validator, api.exchanges);
    expect(covered.size).toBeGreaterThanOrEqual(50);
  });
});
