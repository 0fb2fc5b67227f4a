// Starts an emulator in a child process (emulator-child.mjs) and talks to its control plane.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./emulator-child.mjs', import.meta.url));

/**
 * Forks an emulator process for `spec` (see emulator-child.mjs) and waits until it listens.
 * `maxOldSpaceMiB` sizes its heap (a million-user tenant needs about 4 GiB).
 */
export function startEmulatorProcess(spec, { maxOldSpaceMiB = 4096 } = {}) {
  const child = fork(entry, [JSON.stringify(spec)], {
    execArgv: [`--max-old-space-size=${maxOldSpaceMiB}`],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.once('message', (message) => {
      if (message?.ready === undefined) {
        reject(new Error(`the ${spec.kind} emulator did not start: ${message?.failed ?? 'no answer'}`));
        return;
      }
      resolve({
        ...message.ready,
        pid: child.pid,
        /** The process's peak RSS so far (Linux: VmHWM), in MiB; null elsewhere. */
        peakRssMiB: () => peakRssMiBOf(child.pid),
        close: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`the ${spec.kind} emulator exited before it was ready (${signal ?? code})`)),
    );
  });
}

/** Peak resident set of a process (VmHWM in /proc/<pid>/status) in MiB; null where there is none. */
export function peakRssMiBOf(pid) {
  try {
    const kib = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? null : Math.round(Number(kib) / 1024);
  } catch {
    return null;
  }
}

/**
 * HTTP(S) request with an optional CA (the Entra emulator's self-signed certificate), on a connection
 * of its own: a kept-alive one could be closed by the emulator while idle through a long cycle.
 */
export function send(method, url, { ca, headers = {}, body } = {}) {
  const requestOf = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = requestOf(url, { method, ca, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * The emulator's request log (`GET /__emulator/requests`: API requests by method, route and status;
 * the control plane is not counted).
 */
export async function requestLogOf(emulator) {
  const answer = await send('GET', `${emulator.url}/__emulator/requests`, { ca: emulator.certificatePem });
  if (answer.status !== 200) throw new Error(`GET /__emulator/requests: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body);
}

/** Requests between two snapshots of a request log, by route; rows with no request left out. */
export function requestsBetween(before, after) {
  const key = (r) => `${r.method} ${r.route} ${r.status}`;
  const earlier = new Map(before.byRoute.map((r) => [key(r), r.count]));
  const byRoute = after.byRoute
    .map((r) => ({ ...r, count: r.count - (earlier.get(key(r)) ?? 0) }))
    .filter((r) => r.count > 0);
  return { total: after.total - before.total, byRoute };
}

/** A client-credentials token for the Entra emulator's administration app (it may change users). */
export async function adminToken(entra) {
  const answer = await send('POST', `${entra.url}/${entra.tenantId}/oauth2/v2.0/token`, {
    ca: entra.certificatePem,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: entra.adminClientId,
      client_secret: entra.adminClientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }).toString(),
  });
  if (answer.status !== 200)
    throw new Error(`token for the administration app: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body).access_token;
}
