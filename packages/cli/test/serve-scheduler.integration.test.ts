/**
 * `provisio serve` runs every enabled job in the state store on its schedule: two jobs with
 * different scopes and intervals side by side against one Zendesk account, each provisioning only
 * its own users; a new user reaches Zendesk through the next incremental cycle; a changed definition
 * restarts its job; Provisioning Status Off stops it. The cycles and upstream requests show in
 * /metrics.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobDefinitionInput } from '@provisio/engine';
import { jobDefinitionSchema } from '@provisio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntraUser, type JobHarness, startJobHarness } from './support/provisioning.js';
import { type ServeHarness, startServeHarness } from './support/serve.js';

let jobs: JobHarness;
let h: ServeHarness;
let caFile: string;

beforeAll(async () => {
  jobs = await startJobHarness();
  h = await startServeHarness({
    env: {
      ENTRA_CLIENT_SECRET: jobs.entra.emulator.clientSecret,
      ZENDESK_TOKEN: jobs.zendesk.emulator.apiToken,
    },
    pollMs: 200,
  });
  caFile = join(h.dir, 'entra-ca.pem');
  await writeFile(caFile, jobs.entra.emulator.certificatePem);
});
afterAll(async () => {
  await h?.close();
  await jobs?.close();
});

function definition(id: string, department: string, interval: string, status: 'on' | 'off' = 'on') {
  const document = jobs.document as { source: Record<string, unknown>; target: Record<string, unknown> };
  const input: JobDefinitionInput = {
    id,
    source: {
      ...(document.source as JobDefinitionInput['source']),
      clientSecret: { secretRef: 'env:ENTRA_CLIENT_SECRET' },
      caCertificateFile: caFile,
    },
    target: {
      ...(document.target as JobDefinitionInput['target']),
      secretToken: { secretRef: 'env:ZENDESK_TOKEN' },
    },
    settings: { scope: 'all', interval, provisioningStatus: status },
    mappings: {
      users: {
        scopingFilters: [
          {
            name: department,
            clauses: [
              {
                sourceOperandName: 'department',
                operatorName: 'EQUALS',
                targetOperand: { values: [department] },
              },
            ],
          },
        ],
      },
      groups: { enabled: false },
    },
  };
  return jobDefinitionSchema.parse(input);
}

async function zendeskEmails(): Promise<string[]> {
  const page = (await jobs.zendesk.admin.get('/api/v2/users.json?page[size]=100')).body as {
    users: { email: string | null; role: string }[];
  };
  return page.users.filter((u) => u.role !== 'admin').map((u) => u.email ?? '');
}

async function succeededCycles(jobId: string, kind?: string): Promise<number> {
  const cycles = await h.running.store.listCycles(jobId, 100);
  return cycles.filter((c) => c.state === 'succeeded' && (kind === undefined || c.kind === kind)).length;
}

/** Polls until `check` holds (at most `ms`), so that no test waits a fixed time. */
async function eventually(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('provisio serve: the scheduler', () => {
  it('runs two jobs side by side, each with its own scope and interval', async () => {
    await createEntraUser(jobs, 'sales-1', { department: 'Sales' });
    await createEntraUser(jobs, 'support-1', { department: 'Support' });
    await createEntraUser(jobs, 'nobody-1', { department: 'Finance' });
    const at = new Date();
    await h.running.store.saveJobDefinition(definition('job-sales', 'Sales', 'PT1S'), {
      initiatedBy: 'test',
      at,
    });
    await h.running.store.saveJobDefinition(definition('job-support', 'Support', 'PT3S'), {
      initiatedBy: 'test',
      at,
    });
    await h.running.server.scheduler.refresh();
    expect(h.running.server.scheduler.running()).toEqual(['job-sales', 'job-support']);
    await eventually(
      async () => (await succeededCycles('job-sales')) > 0 && (await succeededCycles('job-support')) > 0,
      'both jobs to finish a cycle',
    );
    expect((await zendeskEmails()).sort()).toEqual([
      'sales-1@provisio-demo.onmicrosoft.com',
      'support-1@provisio-demo.onmicrosoft.com',
    ]);
    const links = async (jobId: string) => (await h.running.store.listLinks(jobId)).map((l) => l.sourceId);
    expect(await links('job-sales')).toHaveLength(1);
    expect(await links('job-support')).toHaveLength(1);
  });

  it('brings a new user in scope to Zendesk through the next incremental cycle', async () => {
    await createEntraUser(jobs, 'sales-2', { department: 'Sales' });
    await eventually(
      async () => (await zendeskEmails()).includes('sales-2@provisio-demo.onmicrosoft.com'),
      'the new Sales user',
    );
    await eventually(
      async () => (await succeededCycles('job-sales', 'incremental')) > 0,
      'an incremental cycle',
    );
  });

  it('shows cycles and upstream requests in /metrics', async () => {
    const text = await (await h.call('/metrics')).text();
    expect(text).toMatch(/provisio_cycles_total\{job="job-sales",result="succeeded"\} [1-9]/);
    expect(text).toMatch(/provisio_cycles_total\{job="job-support",result="succeeded"\} [1-9]/);
    expect(text).toMatch(/provisio_upstream_requests_total\{system="zendesk",status="2xx"\} [1-9]/);
    expect(text).toMatch(/provisio_upstream_requests_total\{system="entra",status="2xx"\} [1-9]/);
    expect(text).toMatch(/provisio_cycle_duration_seconds_count\{job="job-sales"\} [1-9]/);
  });

  it('stops a job whose Provisioning Status turns Off, and keeps the other running', async () => {
    await h.running.store.saveJobDefinition(definition('job-support', 'Support', 'PT3S', 'off'), {
      initiatedBy: 'test',
      at: new Date(),
    });
    await h.running.server.scheduler.refresh();
    expect(h.running.server.scheduler.running()).toEqual(['job-sales']);
    await createEntraUser(jobs, 'support-2', { department: 'Support' });
    await createEntraUser(jobs, 'sales-3', { department: 'Sales' });
    await eventually(
      async () => (await zendeskEmails()).includes('sales-3@provisio-demo.onmicrosoft.com'),
      'the Sales job to go on',
    );
    // The Sales job's cycle after support-2 was created has run: support-2 was not provisioned.
    expect(await zendeskEmails()).not.toContain('support-2@provisio-demo.onmicrosoft.com');
  });

  it('writes job and cycle ids in its structured logs, and no secret', async () => {
    const lines = h
      .logs()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const finished = lines.filter((l) => l['msg'] === 'cycle finished');
    expect(finished.length).toBeGreaterThan(0);
    expect(finished[0]).toMatchObject({ jobId: expect.any(String), cycleId: expect.any(String) });
    for (const secret of [jobs.entra.emulator.clientSecret, jobs.zendesk.emulator.apiToken])
      expect(h.logs()).not.toContain(secret);
  });
});
