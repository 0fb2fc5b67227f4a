import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigFileWatcher } from '../src/config-reload.js';

const env = { ENTRA_CLIENT_SECRET: 'entra-secret-value', ZENDESK_TOKEN: 'zendesk-token-value' };
const document = (settings: Record<string, unknown> = {}) => ({
  source: {
    type: 'entra',
    tenantId: '8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f',
    clientId: '6a1f4b2c-3d5e-4f60-8a71-b2c3d4e5f607',
    clientSecret: '${ENTRA_CLIENT_SECRET}',
    servicePrincipalId: '11111111-2222-4333-8444-555555555555',
  },
  target: {
    type: 'zendesk',
    adminUsername: 'admin@example.com',
    secretToken: '${ZENDESK_TOKEN}',
    domain: 'example',
  },
  settings,
});

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'provisio-reload-'));
  file = join(dir, 'provisio.yaml');
  await writeFile(file, stringify(document()));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('ConfigFileWatcher (docs/operations.md#changing-the-configuration)', () => {
  it('finds nothing new until the text changes, and then the new configuration', async () => {
    const watcher = new ConfigFileWatcher(file, env, 'zendesk.example');
    await watcher.start();
    expect(await watcher.check()).toEqual({ kind: 'unchanged' });
    // Written again with the same text: read (SIGHUP), and still unchanged.
    await writeFile(file, stringify(document()));
    expect(await watcher.check(true)).toEqual({ kind: 'unchanged' });
    await writeFile(file, stringify(document({ interval: 'PT5M' })));
    const changed = await watcher.check();
    expect(changed.kind).toBe('changed');
    if (changed.kind === 'changed') expect(changed.config.job.settings.intervalMs).toBe(300_000);
    expect(await watcher.check(true)).toEqual({ kind: 'unchanged' });
  });

  it('reports an invalid text once, with its problems, until it changes again', async () => {
    const watcher = new ConfigFileWatcher(file, env, 'zendesk.example');
    await watcher.start();
    await writeFile(file, stringify(document({ scope: 'everyone' })));
    const first = await watcher.check();
    expect(first).toMatchObject({ kind: 'invalid', reported: false });
    if (first.kind === 'invalid') expect(first.message).toContain('settings.scope');
    expect(await watcher.check(true)).toMatchObject({ kind: 'invalid', reported: true });
    await writeFile(file, stringify(document()));
    // Back to the running text: nothing to apply.
    expect(await watcher.check()).toEqual({ kind: 'unchanged' });
  });

  it('refuses a change of the job id: a running sync keeps its job', async () => {
    const watcher = new ConfigFileWatcher(file, env, 'zendesk.example');
    await watcher.start();
    await writeFile(file, stringify(document({ jobId: 'another' })));
    const result = await watcher.check();
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') expect(result.message).toContain('from zendesk.example to another');
  });
});
