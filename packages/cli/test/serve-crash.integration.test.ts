/**
 * `provisio serve` killed with SIGKILL in the middle of a cycle, then started again: nothing is lost
 * (every user in scope reaches Zendesk) and nothing is done twice (no user created twice). The
 * Zendesk emulator answers slowly and without bulk import, so the initial cycle writes one user per
 * request for several seconds and the kill lands inside it. SIGTERM, by contrast, lets the running
 * cycle finish before the server exits 0 (a second Zendesk account, so that its cycle starts empty).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFaultSpec } from '@provisio/emulators';
import { jobDefinitionSchema, openStateStore } from '@provisio/engine';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../../emulators/test/support/zendesk.js';
import { killChildren, spawnCli } from './support/cli.js';
import { type JobHarness, startJobHarness } from './support/provisioning.js';

let h: JobHarness;
let env: NodeJS.ProcessEnv;
const JOB = 'crash-test';

beforeAll(async () => {
  h = await startJobHarness({
    entra: { seed: 'demo:200' },
    zendesk: { bulkImport: false, faults: parseFaultSpec('latency=15-25') },
  });
  const caFile = join(h.dir, 'entra-ca.pem');
  await writeFile(caFile, h.entra.emulator.certificatePem);
  env = {
    ...process.env,
    ...h.env,
    DATABASE_URL: `sqlite:${join(h.dir, 'serve.db')}`,
    PROVISIO_SECRET_KEY: randomBytes(32).toString('base64'),
  };
  const store = await openStateStore(env['DATABASE_URL'] ?? '');
  await store.migrate();
  const document = h.document as { source: Record<string, unknown>; target: Record<string, unknown> };
  await store.saveJobDefinition(
    jobDefinitionSchema.parse({
      id: JOB,
      source: {
        ...document.source,
        clientSecret: { secretRef: 'env:ENTRA_CLIENT_SECRET' },
        caCertificateFile: caFile,
      },
      target: { ...document.target, secretToken: { secretRef: 'env:ZENDESK_TOKEN' } },
      settings: { scope: 'assigned', interval: 'PT2S' },
      mappings: { groups: { enabled: false } },
    }),
    { initiatedBy: 'test', at: new Date() },
  );
  await store.close();
}, 60_000);
afterEach(() => killChildren());
afterAll(async () => {
  await h?.close();
});

async function zendeskUsers(): Promise<{ email: string; external_id: string | null }[]> {
  const users: { email: string; external_id: string | null }[] = [];
  let url: string | null = '/api/v2/users.json?page[size]=100';
  while (url !== null) {
    const page = (await h.zendesk.admin.get(url)).body as {
      users: { email: string; external_id: string | null }[];
      meta: { has_more: boolean };
      links: { next: string };
    };
    users.push(...page.users);
    url = page.meta.has_more ? page.links.next : null;
  }
  return users.filter((u) => u.external_id !== null);
}

async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  ms = 60_000,
) {
  const until = Date.now() + ms;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await probe();
  }
  return last;
}

const serve = () => spawnCli(['serve', '--port', '0', '--allow-custom-endpoints'], { cwd: h.dir, env });

describe('provisio serve: SIGTERM mid-cycle', () => {
  it('lets the running cycle finish, then exits 0', async () => {
    const zendesk = await startHarness({ bulkImport: false, faults: parseFaultSpec('latency=15-25') });
    const url = `sqlite:${join(h.dir, 'graceful.db')}`;
    try {
      const store = await openStateStore(url);
      await store.migrate();
      const document = h.document as { source: Record<string, unknown>; target: Record<string, unknown> };
      await store.saveJobDefinition(
        jobDefinitionSchema.parse({
          id: 'graceful',
          source: {
            ...document.source,
            clientSecret: { secretRef: 'env:ENTRA_CLIENT_SECRET' },
            caCertificateFile: join(h.dir, 'entra-ca.pem'),
          },
          target: {
            ...document.target,
            baseUrl: zendesk.emulator.url,
            secretToken: { secretRef: 'env:ZENDESK_TOKEN' },
          },
          settings: { scope: 'assigned', interval: 'PT1M' },
          mappings: { groups: { enabled: false } },
        }),
        { initiatedBy: 'test', at: new Date() },
      );
      await store.close();
      const running = spawnCli(['serve', '--port', '0', '--allow-custom-endpoints'], {
        cwd: h.dir,
        env: { ...env, DATABASE_URL: url },
      });
      const count = async () =>
        ((await zendesk.admin.get('/api/v2/users/count.json')).body as { count: { value: number } }).count
          .value;
      const before = await count();
      await eventually(count, (n) => n >= before + 10, 'the first users');
      running.child.kill('SIGTERM');
      const finished = await running.finished;
      expect(finished.code, finished.stderr).toBe(0);
      const after = await openStateStore(url);
      const [cycle] = await after.listCycles('graceful', 1);
      const links = await after.listLinks('graceful');
      await after.close();
      // The cycle ran to its end: recorded as finished, every user in scope created.
      expect(cycle?.state).toMatch(/^(succeeded|entryLevelErrors)$/);
      expect(links.length).toBeGreaterThan(100);
      expect(await count()).toBe(before + links.length);
    } finally {
      await zendesk.close();
    }
  }, 120_000);
});

describe('provisio serve: a crash mid-cycle', () => {
  it('loses nothing and duplicates nothing when killed with SIGKILL and started again', async () => {
    const first = serve();
    // Kill once some users, but far from all, have been written.
    const partial = await eventually(zendeskUsers, (users) => users.length >= 10, 'the first users');
    first.child.kill('SIGKILL');
    const killed = await first.finished;
    expect(killed.signal).toBe('SIGKILL');
    const atKill = (await zendeskUsers()).length;
    expect(partial.length).toBeGreaterThan(0);

    const store = await openStateStore(env['DATABASE_URL'] ?? '');
    const [running] = await store.listCycles(JOB, 1);
    await store.close();
    // The kill did land inside the initial cycle.
    expect(running?.state).toBe('running');
    expect(atKill).toBeLessThan(100);

    const second = serve();
    const converged = await eventually(
      async () => {
        const s = await openStateStore(env['DATABASE_URL'] ?? '');
        try {
          return (await s.listCycles(JOB, 20)).filter((c) => c.state === 'succeeded').length;
        } finally {
          await s.close();
        }
      },
      (n) => n > 0,
      'a cycle to succeed after the restart',
    );
    expect(converged).toBeGreaterThan(0);
    second.child.kill('SIGTERM');
    expect((await second.finished).code).toBe(0);

    const users = await zendeskUsers();
    const emails = users.map((u) => u.email);
    expect(new Set(emails).size).toBe(emails.length);
    const externalIds = users.map((u) => u.external_id);
    expect(new Set(externalIds).size).toBe(externalIds.length);
    // Every assigned user with a role arrived (the demo tenant assigns some with Default Access,
    // which is skipped): the store's links say which; each is in Zendesk once.
    const after = await openStateStore(env['DATABASE_URL'] ?? '');
    const links = await after.listLinks(JOB);
    const cycles = await after.listCycles(JOB, 20);
    await after.close();
    expect(links.length).toBeGreaterThan(100);
    expect(links.length).toBe(users.length);
    expect(links.length).toBeGreaterThan(atKill);
    // The interrupted cycle is recorded as such, not left running.
    expect(cycles.some((c) => c.state === 'running')).toBe(false);
  }, 120_000);
});
