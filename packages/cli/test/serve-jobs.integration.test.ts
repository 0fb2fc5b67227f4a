/**
 * Graph's synchronization jobs API of `provisio serve`, driven only over HTTP against both
 * emulators: create a job, save its secrets, validate credentials (good and bad), start it, watch
 * users and a group arrive in Zendesk and the status count them, pause (nothing flows), start again,
 * restart Full (everything re-matched, nothing duplicated), and delete it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  appRoleId,
  assign,
  createEntraGroup,
  createEntraUser,
  type JobHarness,
  startJobHarness,
  zendeskGroups,
  zendeskUserByExternalId,
  zendeskUsers,
} from './support/provisioning.js';
import { type ServeHarness, startServeHarness } from './support/serve.js';

let h: JobHarness;
let s: ServeHarness;
let base: string;

beforeAll(async () => {
  h = await startJobHarness();
  s = await startServeHarness({ allowCustomEndpoints: true });
  base = `/v1.0/servicePrincipals/${h.servicePrincipalId}/synchronization`;
});
afterAll(async () => {
  await s?.close();
  await h?.close();
});

interface GraphJob {
  id: string;
  templateId: string;
  schedule: { interval: string; state: string; expiration: string | null };
  status: {
    code: string;
    lastExecution: {
      activityIdentifier: string;
      state: string;
      timeBegan: string;
      countImported: number;
    } | null;
    lastSuccessfulExecution: unknown;
    synchronizedEntryCountByType: { key: string; value: number }[];
    countSuccessiveCompleteFailures: number;
    progress: unknown[];
    quarantine: unknown;
  };
  synchronizationJobSettings: { name: string; value: string }[];
}

interface GraphError {
  error: { code: string; message: string; innerError: Record<string, string> };
}

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (text === '' ? null : JSON.parse(text)) as T;
}

const secrets = () => [
  { key: 'UserName', value: h.zendesk.emulator.adminEmail },
  { key: 'SecretToken', value: h.zendesk.emulator.apiToken },
  { key: 'Domain', value: h.zendesk.emulator.settings.subdomain },
  { key: 'BaseAddress', value: h.zendesk.emulator.url },
  { key: 'EntraTenantId', value: h.entra.emulator.tenantId },
  { key: 'EntraClientId', value: h.entra.emulator.clientId },
  { key: 'EntraClientSecret', value: h.entra.emulator.clientSecret },
  { key: 'EntraAuthorityHost', value: h.entra.emulator.url },
  { key: 'EntraGraphBaseUrl', value: h.entra.emulator.url },
  { key: 'EntraCaCertificate', value: h.entra.emulator.certificatePem },
  { key: 'SyncAll', value: 'False' },
  {
    key: 'SyncNotificationSettings',
    value: JSON.stringify({ Enabled: false, DeleteThresholdEnabled: true, DeleteThresholdValue: 50 }),
  },
];

/** Polls `check` until it returns a value (not undefined), at most `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const getJob = async (jobId: string) => json<GraphJob>(await s.call(`${base}/jobs/${jobId}`), 200);
const countOf = (job: GraphJob, key: string) =>
  job.status.synchronizedEntryCountByType.find((entry) => entry.key === key)?.value;

/** Log lines of the scheduler saying the paused job ran no cycle. */
const pausedWaits = (jobId: string) =>
  s
    .logs()
    .split('\n')
    .filter((line) => line.includes(jobId) && line.includes('"reason":"paused"')).length;

describe('Graph synchronization jobs over HTTP', () => {
  let jobId: string;
  const users: string[] = [];

  it('lists the zendesk template', async () => {
    const body = await json<{ value: { id: string; factoryTag: string }[] }>(
      await s.call(`${base}/templates`, { token: await s.token('Reader') }),
      200,
    );
    expect(body.value).toEqual([expect.objectContaining({ id: 'zendesk', factoryTag: 'zendesk' })]);
  });

  it('creates a job from the template: NotConfigured until its secrets are saved', async () => {
    const created = await json<GraphJob>(
      await s.call(`${base}/jobs`, {
        method: 'POST',
        json: { templateId: 'zendesk', schedule: { interval: 'PT2S' } },
      }),
      201,
    );
    expect(created.id).toMatch(/^zendesk\.[0-9a-f]{32}\.[0-9a-f]{32}$/);
    expect(created).toMatchObject({
      templateId: 'zendesk',
      schedule: { interval: 'PT2S', state: 'Disabled', expiration: null },
      status: { code: 'NotConfigured', lastExecution: null, progress: [], quarantine: null },
    });
    jobId = created.id;
    const list = await json<{ value: GraphJob[] }>(await s.call(`${base}/jobs`), 200);
    expect(list.value.map((job) => job.id)).toEqual([jobId]);

    const unknown = await json<GraphError>(await s.call(`${base}/jobs/zendesk.nope`), 404);
    expect(unknown.error.code).toBe('Request_ResourceNotFound');
    const otherSp = await json<GraphError>(
      await s.call(
        `/v1.0/servicePrincipals/00000000-0000-0000-0000-000000000001/synchronization/jobs/${jobId}`,
      ),
      404,
    );
    expect(otherSp.error.code).toBe('Request_ResourceNotFound');
    const badTemplate = await json<GraphError>(
      await s.call(`${base}/jobs`, { method: 'POST', json: { templateId: 'salesforce' } }),
      400,
    );
    expect(badTemplate.error.message).toContain('"zendesk"');
  });

  it('refuses unknown secret keys naming the accepted ones, then saves the secrets (204)', async () => {
    const unknown = await json<GraphError>(
      await s.call(`${base}/secrets`, { method: 'PUT', json: { value: [{ key: 'Password', value: 'x' }] } }),
      400,
    );
    expect(unknown.error.message).toContain('"Password"');
    expect(unknown.error.message).toContain('SecretToken');
    expect(unknown.error.message).toContain('EntraClientSecret');

    const response = await s.call(`${base}/secrets`, { method: 'PUT', json: { value: secrets() } });
    expect(response.status, await response.clone().text()).toBe(204);
    const job = await getJob(jobId);
    // Configured, and stopped until start (as Entra creates jobs).
    expect(job.status.code).toBe('Paused');
    expect(job.schedule.state).toBe('Disabled');
    expect(job.synchronizationJobSettings).toEqual([
      { name: 'QuarantineTooManyDeletesThreshold', value: '50' },
    ]);
  });

  it('validates credentials: the saved ones (204), a wrong token or client secret (400 naming it)', async () => {
    const good = await s.call(`${base}/jobs/${jobId}/validateCredentials`, {
      method: 'POST',
      json: { useSavedCredentials: true },
    });
    expect(good.status, await good.clone().text()).toBe(204);

    const bad = await json<GraphError>(
      await s.call(`${base}/jobs/${jobId}/validateCredentials`, {
        method: 'POST',
        json: { credentials: [{ key: 'SecretToken', value: 'not-the-token' }] },
      }),
      400,
    );
    expect(bad.error.message).toMatch(/^Test connection failed\. Zendesk/);
    expect(bad.error.message).toContain('SecretToken');
    expect(bad.error.message).not.toContain('not-the-token');

    const badEntra = await json<GraphError>(
      await s.call(`${base}/jobs/${jobId}/validateCredentials`, {
        method: 'POST',
        json: { credentials: [{ key: 'EntraClientSecret', value: 'wrong-secret' }] },
      }),
      400,
    );
    expect(badEntra.error.message).toContain('Entra ID');
    expect(badEntra.error.message).toContain('EntraClientSecret');

    // Nothing of the explicit credentials was saved.
    const again = await s.call(`${base}/jobs/${jobId}/validateCredentials`, {
      method: 'POST',
      json: { useSavedCredentials: true },
    });
    expect(again.status).toBe(204);
  });

  it('starts: assigned users and a group arrive in Zendesk, the status counts them', async () => {
    const agent = await appRoleId(h, 'Agent');
    for (const nick of ['amara', 'bruno', 'chen']) {
      const id = await createEntraUser(h, nick);
      await assign(h, id, agent);
      users.push(id);
    }
    const group = await createEntraGroup(h, 'Tier 1');
    for (const id of users) await addMember(h, group, id);
    await assign(h, group, agent);

    const started = await s.call(`${base}/jobs/${jobId}/start`, {
      method: 'POST',
      token: await s.token('Operator'),
    });
    expect(started.status, await started.clone().text()).toBe(204);

    await until('the users in Zendesk', async () => {
      for (const id of users) if ((await zendeskUserByExternalId(h, id)) === null) return undefined;
      return true;
    });
    await until('the group in Zendesk', async () =>
      (await zendeskGroups(h)).some((g) => g.name === 'Tier 1') ? true : undefined,
    );
    const job = await until('the counts in the status', async () => {
      const current = await getJob(jobId);
      return countOf(current, 'User') === 3 &&
        countOf(current, 'Group') === 1 &&
        current.status.lastExecution !== null
        ? current
        : undefined;
    });
    expect(job.status.code).toBe('Active');
    expect(job.schedule).toMatchObject({ state: 'Active', interval: 'PT2S' });
    expect(job.status.lastExecution?.state).toBe('Succeeded');
    expect(job.status.lastSuccessfulExecution).not.toBeNull();
    expect(job.status.countSuccessiveCompleteFailures).toBe(0);
  });

  it('pause stops changes from flowing; start lets them through again', async () => {
    const paused = await s.call(`${base}/jobs/${jobId}/pause`, {
      method: 'POST',
      token: await s.token('Operator'),
    });
    expect(paused.status).toBe(204);
    expect((await getJob(jobId)).status.code).toBe('Paused');
    // The loop has seen the pause (a running cycle finished) before anything changes in Entra.
    const seen = await until('the scheduler to see the pause', async () =>
      pausedWaits(jobId) > 0 ? pausedWaits(jobId) : undefined,
    );
    const dana = await createEntraUser(h, 'dana');
    await assign(h, dana, await appRoleId(h, 'Agent'));
    // Two more intervals pass without a cycle.
    await until('two more paused intervals', async () => (pausedWaits(jobId) >= seen + 2 ? true : undefined));
    expect(await zendeskUserByExternalId(h, dana)).toBeNull();

    const started = await s.call(`${base}/jobs/${jobId}/start`, { method: 'POST' });
    expect(started.status).toBe(204);
    await until('dana in Zendesk', async () => ((await zendeskUserByExternalId(h, dana)) ? true : undefined));
    users.push(dana);
  });

  it('restart Full re-matches every user without duplicating any', async () => {
    const before = await until('a finished cycle', async () => {
      const job = await getJob(jobId);
      return job.status.lastExecution !== null && countOf(job, 'User') === 4 ? job : undefined;
    });
    const zendeskBefore = (await zendeskUsers(h)).length;
    const restartedAt = new Date().toISOString();
    const restarted = await s.call(`${base}/jobs/${jobId}/restart`, {
      method: 'POST',
      token: await s.token('Operator'),
      json: { criteria: { resetScope: 'Full' } },
    });
    expect(restarted.status, await restarted.clone().text()).toBe(204);
    const after = await until('a cycle after the restart with every user linked again', async () => {
      const job = await getJob(jobId);
      const last = job.status.lastExecution;
      return last !== null &&
        last.activityIdentifier !== before.status.lastExecution?.activityIdentifier &&
        last.timeBegan >= restartedAt &&
        countOf(job, 'User') === 4
        ? job
        : undefined;
    });
    expect(after.status.lastExecution?.state).toBe('Succeeded');
    // An initial cycle: every assigned user was read again and matched.
    expect(after.status.lastExecution?.countImported).toBeGreaterThanOrEqual(4);
    const zendeskAfter = await zendeskUsers(h);
    expect(zendeskAfter.length).toBe(zendeskBefore);
    for (const id of users) expect(zendeskAfter.filter((u) => u.external_id === id)).toHaveLength(1);

    const badScope = await json<GraphError>(
      await s.call(`${base}/jobs/${jobId}/restart`, {
        method: 'POST',
        json: { criteria: { resetScope: 'Everything' } },
      }),
      400,
    );
    expect(badScope.error.message).toContain('Watermark, Escrows, QuarantineState');
  });

  it('refuses start, pause and restart to a Reader, and secrets to an Operator', async () => {
    const reader = await s.token('Reader');
    for (const action of ['start', 'pause', 'restart'])
      expect(
        (await s.call(`${base}/jobs/${jobId}/${action}`, { method: 'POST', token: reader })).status,
      ).toBe(403);
    const operator = await s.token('Operator');
    expect(
      (await s.call(`${base}/secrets`, { method: 'PUT', token: operator, json: { value: [] } })).status,
    ).toBe(403);
  });

  it('deletes the job: 204, then 404, and the list is empty', async () => {
    const deleted = await s.call(`${base}/jobs/${jobId}`, { method: 'DELETE' });
    expect(deleted.status, await deleted.clone().text()).toBe(204);
    expect((await s.call(`${base}/jobs/${jobId}`)).status).toBe(404);
    expect(await json<{ value: unknown[] }>(await s.call(`${base}/jobs`), 200)).toEqual({ value: [] });
    expect(s.running.server.scheduler.running()).not.toContain(jobId);
  });
});
