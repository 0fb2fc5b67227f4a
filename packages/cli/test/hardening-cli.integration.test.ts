/**
 * Issue 15's command-line hardening, through the real command against the emulators: custom
 * endpoints (docs/configuration.md#custom-endpoints), the store that follows the job
 * (docs/configuration.md#the-state-store-database_url), configuration reloads in a running sync
 * (docs/operations.md#changing-the-configuration), CSV exports' permissions and the documented exit
 * codes.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { killChildren, spawnCli, writeCliJob } from './support/cli.js';
import {
  appRoleId,
  assign,
  createEntraUser,
  type JobHarness,
  startJobHarness,
} from './support/provisioning.js';

let h: JobHarness;
let dir: string;
let caFile: string;
/** The environment with the secrets, and no DATABASE_URL: the store is the default one. */
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url))))
    throw new Error('packages/cli/dist is missing: run `npx tsc -b` (npm test builds first)');
  h = await startJobHarness();
  const job = await writeCliJob(h, 'provisio-cli-hardening-');
  dir = job.dir;
  caFile = job.caFile;
  const { DATABASE_URL: _, ...rest } = job.env;
  env = rest;
}, 120_000);
afterEach(killChildren);
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Document = Record<string, unknown> & {
  source: Record<string, unknown>;
  target: Record<string, unknown>;
  settings: Record<string, unknown>;
  mappings: Record<string, unknown>;
};

/** The harness's document for a job of its own (`jobId`), with the emulator's CA trusted. */
function documentFor(jobId: string, change: (document: Document) => void = () => {}): Document {
  const document = structuredClone(h.document) as Document;
  document.source['caCertificateFile'] = caFile;
  document.settings = { ...document.settings, jobId };
  change(document);
  return document;
}

/** Writes `document` to `<dir>/<sub>/provisio.yaml`, returning the directory and the file. */
async function jobDirectory(sub: string, document: Document): Promise<{ home: string; file: string }> {
  const home = join(dir, sub);
  await mkdir(home, { recursive: true });
  const file = join(home, 'provisio.yaml');
  await writeFile(file, stringify(document));
  return { home, file };
}

const run = (args: readonly string[], cwd: string, extra: NodeJS.ProcessEnv = {}) =>
  spawnCli(args, { cwd, env: { ...env, ...extra } }).finished;

/** Resolves with the output so far once `pattern` appears in the child's stdout or stderr. */
function output(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} in the output within ${timeoutMs} ms:\n${seen}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer | string) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve(seen);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

describe('custom endpoints', () => {
  it('are refused without allowCustomEndpoints, naming the key and the fix, and allowed with a warning', async () => {
    const refused = await jobDirectory(
      'custom-refused',
      documentFor('custom', (d) => {
        delete d['allowCustomEndpoints'];
      }),
    );
    const before = await run(['plan', '--config', refused.file], refused.home);
    expect(before.code, before.stderr).toBe(2);
    for (const key of ['target.baseUrl', 'source.authorityHost', 'source.graphBaseUrl'])
      expect(before.stderr).toContain(`- ${key}: "`);
    expect(before.stderr).toContain('add "allowCustomEndpoints: true" at the top level of the file');

    const allowed = await jobDirectory('custom-allowed', documentFor('custom'));
    const after = await run(['plan', '--config', allowed.file], allowed.home);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toContain(
      `warning: custom endpoints allowed (allowCustomEndpoints: true): source.authorityHost ${h.entra.emulator.url}`,
    );
    expect(after.stderr).toContain(`target.baseUrl ${h.zendesk.emulator.url}`);
  });

  it('refuses a Zendesk baseUrl whose account is not target.domain, naming both', async () => {
    const { home, file } = await jobDirectory(
      'mismatch',
      documentFor('mismatch', (d) => {
        d.target['baseUrl'] = 'https://another-account.zendesk.com';
      }),
    );
    const result = await run(['status', '--config', file], home);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `target.baseUrl: names the Zendesk account "another-account" (another-account.zendesk.com) but target.domain is "${h.zendesk.emulator.settings.subdomain}"`,
    );
  });
});

describe('the store follows the job', () => {
  it('resolves the default store next to the configuration file: pause from the parent directory pauses the real job', async () => {
    const { home } = await jobDirectory('work', documentFor('follows'));
    const synced = await run(['sync', '--once', '--config', 'work/provisio.yaml'], dir);
    expect(synced.code, synced.stderr).toBe(0);
    expect(existsSync(join(home, 'data', 'provisio.db'))).toBe(true);
    expect(existsSync(join(dir, 'data'))).toBe(false);

    const paused = await run(['pause', '-c', 'work/provisio.yaml'], dir);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toContain(`state store: SQLite ${join(home, 'data', 'provisio.db')}`);
    // The job as its own directory sees it: paused, in the store it synced into.
    const status = await run(['status', '--config', 'provisio.yaml'], home);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^job follows: Paused/m);
    expect(status.stdout).toContain(`state store: SQLite ${join(home, 'data', 'provisio.db')}`);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('status without a store says which store it looked for, and creates none', async () => {
    const { home, file } = await jobDirectory('no-store', documentFor('nostore'));
    const result = await run(['status', '--config', file], home);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no state store at ${join(home, 'data', 'provisio.db')}`);
    expect(result.stderr).toContain('DATABASE_URL');
    for (const args of [['logs'], ['audit']]) {
      const read = await run([...args, '--config', file], home);
      expect(read.code, args.join(' ')).toBe(1);
      expect(read.stderr).toContain('no state store at');
    }
    for (const args of [
      ['jobs', 'show', 'nostore'],
      ['jobs', 'export', 'nostore'],
    ])
      expect((await run(args, home)).code, args.join(' ')).toBe(1);
    // Without a store there are no jobs to list: said so, and nothing is created either.
    const list = await run(['jobs', 'list'], home);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(`no jobs in the state store (SQLite ${join(home, 'data', 'provisio.db')})`);
    expect(await readdir(home)).toEqual(['provisio.yaml']);
  });
});

describe('a running sync and its configuration file', () => {
  it('applies a changed mapping at the next cycle, and keeps the running configuration on an invalid edit', async () => {
    const { home, file } = await jobDirectory('reload', documentFor('reload'));
    const { child, finished } = spawnCli(['sync', '--config', file], { cwd: home, env });
    await output(child, /cycle \S+ \(initial\) succeeded[\s\S]*next cycle in/);

    // An invalid edit: reported once, with the problem; the next cycle runs with the old configuration.
    await writeFile(file, stringify(documentFor('reload', (d) => (d.settings['scope'] = 'everyone'))));
    const refused = await output(child, /not valid; the running configuration is kept[\s\S]*settings\.scope/);
    expect(refused).toContain(file);
    // The next cycle: incremental, with the configuration that was running; the error is not repeated.
    const kept = await output(child, /cycle \S+ \(incremental\) succeeded/);
    expect(kept).not.toContain('not valid');

    // A changed mapping forces an initial cycle, which is the next one.
    await writeFile(
      file,
      stringify(
        documentFor('reload', (d) => {
          d.mappings = { ...d.mappings, users: { actions: ['create', 'update'] } };
        }),
      ),
    );
    const applied = await output(
      child,
      /configuration reloaded from [^\n]+: the next cycle runs with it[\s\S]*cycle \S+ \(initial\) succeeded/,
    );
    expect(applied.slice(applied.indexOf('configuration reloaded'))).not.toMatch(/\(incremental\)/);
    child.kill('SIGTERM');
    expect((await finished).code).toBe(0);
    const audit = await run(['audit', '--config', file, '--format', 'json'], home);
    const activities = (JSON.parse(audit.stdout) as { activity: string; result: string }[])
      .filter((r) => r.activity === 'Reload provisioning configuration')
      .map((r) => r.result);
    expect(activities.sort()).toEqual(['failure', 'success']);
  }, 180_000);

  it('SIGHUP reads the file at once and starts the next cycle early, without ending the process', async () => {
    const { home, file } = await jobDirectory(
      'hangup',
      documentFor('hangup', (d) => (d.settings['interval'] = 'PT1H')),
    );
    const { child, finished } = spawnCli(['sync', '--config', file], { cwd: home, env });
    await output(child, /next cycle in 1 h/);
    await writeFile(
      file,
      stringify(
        documentFor('hangup', (d) => {
          d.settings['interval'] = 'PT1H';
          d.settings['accidentalDeletionThreshold'] = 400;
        }),
      ),
    );
    const next = output(
      child,
      /SIGHUP: reading[\s\S]*configuration reloaded from[\s\S]*cycle \S+ \(incremental\) succeeded/,
    );
    child.kill('SIGHUP');
    await next;
    expect(child.exitCode).toBeNull();
    // Unchanged: still read, still a cycle now.
    const again = output(
      child,
      /is unchanged: the next cycle runs with the same configuration[\s\S]*\(incremental\) succeeded/,
    );
    child.kill('SIGHUP');
    await again;
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    const done = await finished;
    expect(done.code, done.stderr).toBe(0);
    expect(done.signal).toBeNull();
  }, 120_000);
});

describe('exports', () => {
  it('writes the three CSV files of logs --format csv readable by their owner only, also over existing files', async () => {
    const { home, file } = await jobDirectory('csv', documentFor('csv'));
    expect((await run(['sync', '--once', '--config', file], home)).code).toBe(0);
    const out = join(home, 'export');
    await mkdir(out);
    await writeFile(join(out, 'ProvisioningLogs.csv'), 'old');
    await chmod(join(out, 'ProvisioningLogs.csv'), 0o644);
    const result = await run(['logs', '--config', file, '--format', 'csv', '--output', out], home);
    expect(result.code, result.stderr).toBe(0);
    const files = (await readdir(out)).sort();
    expect(files).toEqual([
      'ProvisioningLogs.csv',
      'ProvisioningLogs_ModifiedProperties.csv',
      'ProvisioningLogs_ProvisioningSteps.csv',
    ]);
    for (const name of files)
      expect(((await stat(join(out, name))).mode & 0o777).toString(8), name).toBe('600');
  });
});

describe('exit codes (README, docs/provisioning.md#commands, docs/expressions.md#exit-codes)', () => {
  it('every documented exit code, as the command returns it', async () => {
    const { home, file } = await jobDirectory('codes', documentFor('codes'));
    const bad = join(home, 'bad.yaml');
    await writeFile(bad, stringify(documentFor('codes', (d) => (d.settings['scope'] = 'nobody'))));
    const heldJob = await jobDirectory(
      'codes-held',
      documentFor('codes-held', (d) => (d.settings['accidentalDeletionThreshold'] = 1)),
    );
    const cases: { args: string[]; cwd?: string; code: number; why: string; before?: () => Promise<void> }[] =
      [
        { args: ['init', '--config', join(home, 'new.yaml')], code: 0, why: 'init writes a file' },
        { args: ['init', '--config', file], code: 1, why: 'init refuses to overwrite' },
        { args: ['test-connection', '--config', file], code: 0, why: 'both sides pass' },
        {
          args: [
            'test-connection',
            '--config',
            await variant('refused', (d) => (d.target['baseUrl'] = 'http://127.0.0.1:9')),
          ],
          code: 1,
          why: 'a side fails',
        },
        { args: ['plan', '--config', file], code: 0, why: 'plan' },
        { args: ['plan', '--config', bad], code: 2, why: 'configuration not valid' },
        { args: ['sync', '--once', '--config', file], code: 0, why: 'a cycle succeeded' },
        { args: ['status', '--config', file], code: 0, why: 'status' },
        { args: ['status', '--job', 'no-such-job'], code: 1, why: 'no such stored job' },
        { args: ['provision', 'nobody@example.com', '--config', file], code: 1, why: 'nothing found' },
        {
          args: ['provision', 'nobody@example.com', '--config', bad],
          code: 2,
          why: 'configuration not valid',
        },
        { args: ['jobs', 'import', bad], code: 2, why: 'jobs import of an invalid file' },
        { args: ['jobs', 'import', file], code: 0, why: 'jobs import' },
        { args: ['jobs', 'delete', 'codes'], code: 1, why: 'jobs delete without --yes' },
        {
          args: ['sync', '--once', '--config', heldJob.file],
          cwd: heldJob.home,
          code: 0,
          why: 'first cycle',
          before: async () => {
            // Two assigned users, so that a scoping filter that leaves them out deprovisions two.
            const agent = await appRoleId(h, 'Agent');
            for (const nick of ['held-one', 'held-two'])
              await assign(h, await createEntraUser(h, nick), agent);
          },
        },
        {
          args: ['sync', '--once', '--config', heldJob.file],
          cwd: heldJob.home,
          code: 3,
          why: 'held at the accidental-deletion threshold',
          before: async () =>
            writeFile(
              heldJob.file,
              stringify(
                documentFor('codes-held', (d) => {
                  d.settings['accidentalDeletionThreshold'] = 1;
                  d.settings['scope'] = 'assigned';
                  d.mappings = {
                    ...d.mappings,
                    users: {
                      scopingFilters: [
                        {
                          name: 'nobody',
                          clauses: [
                            {
                              sourceOperandName: 'department',
                              operatorName: 'EQUALS',
                              targetOperand: { values: ['No such department'] },
                            },
                          ],
                        },
                      ],
                    },
                  };
                }),
              ),
            ),
        },
        { args: ['expr', 'eval', 'Now()', '--now', 'yesterday'], code: 2, why: 'a bad flag value' },
        { args: ['expr', 'eval', '[a]', '--bogus'], code: 2, why: 'a usage error of the argument parser' },
        {
          args: ['status', '--config', file, '--format', 'yaml'],
          code: 2,
          why: 'a --format outside its choices',
        },
        { args: ['sync', '--config', file, '--job', 'codes'], code: 2, why: '--config and --job together' },
        { args: ['expr', 'eval', '[a'], code: 1, why: 'an expression that does not parse' },
      ];
    const results: string[] = [];
    for (const c of cases) {
      await c.before?.();
      const result = await run(c.args, c.cwd ?? home);
      results.push(
        `${c.args.join(' ')} (${c.why}): ${result.code}${result.code === c.code ? '' : ` ≠ ${c.code}\n${result.stderr}`}`,
      );
    }
    expect(results.filter((line) => line.includes('≠'))).toEqual([]);

    async function variant(name: string, change: (d: Document) => void): Promise<string> {
      const path = join(home, `${name}.yaml`);
      await writeFile(path, stringify(documentFor('codes', change)));
      return path;
    }
  }, 300_000);
});
