/**
 * Many jobs in one process, as a server will run them: 20 jobs against two Zendesk accounts (10
 * each, every job with its own scope: one department), run concurrently from this process on one
 * state store. Each job has its own connector instances; the store is all they share. Every job
 * converges, none touches another's users, and a second round changes exactly what changed.
 */
import { type Config, type EngineDeps, runSyncLoop, systemClock } from '@provisio/engine';
import { createEntraSource } from '@provisio/entra';
import { createZendeskTarget } from '@provisio/zendesk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../emulators/test/support/zendesk.js';
import { compileDocument } from '../src/load-job.js';
import { createEntraUser, type JobHarness, patchUser, startJobHarness } from './support/provisioning.js';

const JOBS = 20;
const USERS_PER_JOB = 3;

let h: JobHarness;
let second: Harness;
const users = new Map<number, string[]>();

beforeAll(async () => {
  h = await startJobHarness();
  second = await startHarness({ plan: 'enterprise', bulkImport: true });
  for (let job = 0; job < JOBS; job++) {
    const ids: string[] = [];
    for (let k = 0; k < USERS_PER_JOB; k++)
      ids.push(await createEntraUser(h, `many-${job}-${k}`, { department: `dept-${job}` }));
    users.set(job, ids);
  }
});
afterAll(async () => {
  await second?.close();
  await h?.close();
});

async function jobOf(index: number): Promise<{ deps: EngineDeps; config: Config }> {
  const account = index < JOBS / 2 ? h.zendesk : second;
  const document = {
    ...h.document,
    target: {
      type: 'zendesk',
      adminUsername: account.emulator.adminEmail,
      secretToken: '${TOKEN}',
      domain: account.emulator.settings.subdomain,
      baseUrl: account.emulator.url,
    },
    settings: { jobId: `many-${index}`, scope: 'all', interval: 'PT1M' },
    mappings: {
      users: {
        scopingFilters: [
          {
            name: `Department ${index}`,
            clauses: [
              {
                sourceOperandName: 'department',
                operatorName: 'EQUALS',
                targetOperand: { values: [`dept-${index}`] },
              },
            ],
          },
        ],
      },
      groups: { enabled: false },
    },
  };
  const config = (
    await compileDocument(document, `job ${index}`, { ...h.env, TOKEN: account.emulator.apiToken }, 'resolve')
  ).job;
  // Nothing shared between jobs but the store: connectors of their own.
  const deps: EngineDeps = {
    source: createEntraSource({
      tenantId: h.entra.emulator.tenantId,
      clientId: h.entra.emulator.clientId,
      clientSecret: h.entra.emulator.clientSecret,
      servicePrincipalId: h.servicePrincipalId,
      authorityHost: h.entra.emulator.url,
      graphBaseUrl: h.entra.emulator.url,
      ca: h.entra.emulator.certificatePem,
    }),
    target: createZendeskTarget({
      domain: account.emulator.settings.subdomain,
      adminUsername: account.emulator.adminEmail,
      secretToken: account.emulator.apiToken,
      baseUrl: account.emulator.url,
    }),
    store: h.store,
    clock: systemClock,
  };
  return { deps, config };
}

async function roundOfAllJobs() {
  const jobs = await Promise.all(Array.from({ length: JOBS }, (_, i) => jobOf(i)));
  const reports = await Promise.all(jobs.map((job) => runSyncLoop(job.deps, job.config, { once: true })));
  return reports.map((r) => {
    const report = r[0];
    if (!report) throw new Error('a job ran no cycle');
    return report;
  });
}

async function externalIds(account: Harness): Promise<Set<string>> {
  const ids = new Set<string>();
  let url: string | null = '/api/v2/users.json?page[size]=100';
  while (url) {
    const page = (await account.admin.get(url)).body as {
      users: { external_id: string | null }[];
      meta: { has_more: boolean };
      links: { next: string };
    };
    for (const user of page.users) if (user.external_id) ids.add(user.external_id);
    url = page.meta.has_more ? page.links.next : null;
  }
  return ids;
}

describe('20 jobs in one process', () => {
  it('each converges on its own scope and account, with no state shared but the store', async () => {
    const first = await roundOfAllJobs();
    for (const [i, report] of first.entries()) {
      expect(report.state, `job ${i}`).toBe('succeeded');
      expect(report.kind).toBe('initial');
      expect(report.counts.created, `job ${i}`).toBe(USERS_PER_JOB);
    }
    const [inA, inB] = await Promise.all([externalIds(h.zendesk), externalIds(second)]);
    for (const [job, ids] of users)
      for (const id of ids) {
        expect(job < JOBS / 2 ? inA.has(id) : inB.has(id), `user of job ${job}`).toBe(true);
        expect(job < JOBS / 2 ? inB.has(id) : inA.has(id), `user of job ${job} in the other account`).toBe(
          false,
        );
      }
    for (let job = 0; job < JOBS; job++) {
      const links = await h.store.listLinks(`many-${job}`);
      expect(links.map((l) => l.sourceId).sort()).toEqual([...(users.get(job) ?? [])].sort());
    }

    // One change per job: each job's next cycle is incremental and updates exactly its own user.
    for (let job = 0; job < JOBS; job++)
      await patchUser(h, users.get(job)?.[0] ?? '', { jobTitle: `Lead ${job}` });
    const next = await roundOfAllJobs();
    for (const [i, report] of next.entries()) {
      expect(report.kind, `job ${i}`).toBe('incremental');
      expect(report.state).toBe('succeeded');
      expect(report.counts.updated, `job ${i}`).toBe(1);
      expect(report.counts.created).toBe(0);
      expect(report.results.has(users.get(i)?.[0] ?? '')).toBe(true);
    }
  });
});
