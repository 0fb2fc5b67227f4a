/**
 * The real command as a subprocess, as `npx provisio` runs it: bin/provisio.js loads the compiled
 * dist/ (`npm test` builds first). Children still running when a test ends are killed by
 * `killChildren` (call it in afterEach).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const bin = fileURLToPath(new URL('../../bin/provisio.js', import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

export function spawnCli(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, finished };
}

export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/**
 * A job as a person configures it for the CLI: a directory with the Entra emulator's CA, the
 * configuration file (the harness's document, secrets as ${ENV} references) and the environment with
 * the secrets and DATABASE_URL (SQLite in that directory). `extra` is merged into the settings.
 */
export async function writeCliJob(
  h: {
    entra: { emulator: { certificatePem: string } };
    document: Record<string, unknown>;
    env: Record<string, string>;
  },
  prefix: string,
): Promise<{ dir: string; configFile: string; caFile: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, h.entra.emulator.certificatePem);
  const document = structuredClone(h.document) as { source: Record<string, unknown> };
  document.source['caCertificateFile'] = caFile;
  const configFile = join(dir, 'provisio.yaml');
  await writeFile(configFile, stringify(document));
  return {
    dir,
    configFile,
    caFile,
    env: { ...process.env, ...h.env, DATABASE_URL: `sqlite:${join(dir, 'state.db')}` },
  };
}
