import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, spawnCli, writeCliJob } from './support/cli.js';
import {
  addMember,
  appRoleId,
  assign,
  createEntraGroup,
  createEntraUser,
  type JobHarness,
  startJobHarness,
  zendeskGroups,
} from './support/provisioning.js';

/**
 * Non-idempotent writes are never blindly retried (docs/provisioning.md#retries): `npx provisio
 * sync --once` against a Zendesk emulator that applies every `POST /api/v2/groups` and then loses
 * its answer (the connection dropped, or a 503) makes each group once, and the next cycle finds
 * nothing to fix, no `DuplicateTargetEntries`.
 */
let h: JobHarness;
let dir: string;
let env: NodeJS.ProcessEnv;
const teams = Array.from({ length: 6 }, (_, i) => `Lost Team ${i + 1}`);

function cli(args: readonly string[]) {
  return spawnCli(args, { cwd: dir, env }).finished;
}

async function setZendeskFaults(faults: string): Promise<void> {
  const answer = await h.zendesk.admin.control('PUT', 'config', { faults });
  expect(answer.status, answer.text).toBe(200);
}

beforeAll(async () => {
  h = await startJobHarness();
  ({ dir, env } = await writeCliJob(h, 'provisio-lost-writes-'));
  const agent = await appRoleId(h, 'Agent');
  for (const [i, name] of teams.entries()) {
    const group = await createEntraGroup(h, name);
    await addMember(h, group, await createEntraUser(h, `lost${i}`));
    await assign(h, group, agent);
  }
});
afterEach(killChildren);
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ourGroups = async () =>
  (await zendeskGroups(h))
    .map((g) => g.name as string)
    .filter((name) => name.startsWith('Lost Team'))
    .sort();

describe('a group create whose answer is lost', () => {
  it('makes each group once when the connection drops after the write, and the next cycle is clean', async () => {
    await setZendeskFaults('lost-after-write=1,write-path=/api/v2/groups,seed=3');
    const first = await cli(['sync', '--once']);
    await setZendeskFaults('none');
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
    expect(await ourGroups()).toEqual([...teams].sort());

    const second = await cli(['sync', '--once']);
    expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
    expect(`${second.stdout}${second.stderr}`).not.toMatch(/DuplicateTargetEntries/);
    expect(await ourGroups()).toEqual([...teams].sort());
    const log = await cli(['logs', '--format', 'json']);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toMatch(/the group it created was found by name/);
  });

  it('makes a new group once when Zendesk answers 503 after making it', async () => {
    const extra = await createEntraGroup(h, 'Lost Team 503');
    await addMember(h, extra, await createEntraUser(h, 'lost503'));
    await assign(h, extra, await appRoleId(h, 'Agent'));
    await setZendeskFaults('503-after-write=1,write-path=/api/v2/groups,seed=3');
    const done = await cli(['sync', '--once']);
    await setZendeskFaults('none');
    expect(done.code, `${done.stdout}\n${done.stderr}`).toBe(0);
    expect(await ourGroups()).toEqual([...teams, 'Lost Team 503'].sort());
    const again = await cli(['sync', '--once']);
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(await ourGroups()).toEqual([...teams, 'Lost Team 503'].sort());
  });
});
