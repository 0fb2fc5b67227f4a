/**
 * The real command as a subprocess, as `npx provisio` runs it: bin/provisio.js loads the compiled
 * dist/ (`npm test` builds first). Children still running when a test ends are killed by
 * `killChildren` (call it in afterEach).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
