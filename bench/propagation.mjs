// Propagation latency (docs/performance.md#propagation-latency): how long a change made in Entra
// takes to be visible in Zendesk with `provisio serve` on its DEFAULTS (settings.interval PT5S,
// settings.idleInterval PT15S, in-process jobs on SQLite). Each emulator runs in a process of its own
// (bench/lib/emulator-process.mjs), serve in a third; this process only makes the changes through
// Graph and watches Zendesk.
//
// A tenant of --users users (a third End-user, the rest Agent, assigned directly; --group-members of
// them also in the group "Bench Agents", assigned as Agent). After the initial cycle, --changes
// changes of six kinds, spaced at random (exponential, mean --mean-gap seconds): a user created and
// assigned (Agent), an attribute changed (displayName), a user disabled, an assignment removed, an
// agent added to "Bench Agents", an agent removed from it. For each, the Zendesk emulator's store is
// polled (every --poll-ms, through the process's probe, outside the API) until the expected state
// shows: the user exists, is named so, is suspended, is in the group or no longer is. A change not
// visible after --timeout seconds counts as failed. Reported: p50, p95 and max over all changes and
// per kind, and the Graph and Zendesk requests serve made. Run after a build:
//   node bench/propagation.mjs --users 2000 --changes 200
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    'group-members': { type: 'string', default: '100' },
    changes: { type: 'string', default: '200' },
    'mean-gap': { type: 'string', default: '3' },
    'poll-ms': { type: 'string', default: '100' },
    timeout: { type: 'string', default: '120' },
    'initial-timeout': { type: 'string', default: '600' },
    seed: { type: 'string', default: '1' },
  },
});
const USERS = Number(values.users);
const GROUP_MEMBERS = Number(values['group-members']);
const CHANGES = Number(values.changes);
const MEAN_GAP_MS = Number(values['mean-gap']) * 1000;
const POLL_MS = Number(values['poll-ms']);
const TIMEOUT_MS = Number(values.timeout) * 1000;
const domain = 'provisio-demo.onmicrosoft.com';
const groupName = 'Bench Agents';
const bin = fileURLToPath(new URL('../packages/cli/bin/provisio.js', import.meta.url));
const emulatorScript = fileURLToPath(new URL('./lib/emulator-process.mjs', import.meta.url));
const log = (text) => process.stderr.write(`[propagation bench] ${text}\n`);

// A seeded PRNG (mulberry32): the same change sequence and gaps from run to run.
let state = Number(values.seed) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const percentile = (sorted, p) =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const seconds = (ms) => (ms === null ? null : Math.round(ms / 10) / 100);

const children = new Set();
function startProcess(args, { env = process.env, cwd, onLine } = {}) {
  const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      onLine?.(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  });
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (code !== 0 && signal === null) log(`${args.slice(0, 2).join(' ')} exited ${code}: ${stderr}`);
  });
  children.add(child);
  return child;
}

/** Starts an emulator process and resolves to the JSON line it prints. */
async function startEmulator(kind, options) {
  const file = join(dir, `${kind}-options.json`);
  await writeFile(file, JSON.stringify(options));
  return new Promise((resolve, reject) => {
    const child = startProcess([emulatorScript, kind, file], {
      onLine: (line) => resolve(JSON.parse(line)),
    });
    child.once('exit', (code) => reject(new Error(`the ${kind} emulator exited (${code})`)));
  });
}

function run(args, env, cwd) {
  return new Promise((resolve, reject) => {
    let out = '';
    const child = startProcess([bin, ...args], { env, cwd, onLine: (line) => (out += `${line}\n`) });
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`provisio ${args[0]}: ${code}`)),
    );
  });
}

// ── Graph, as an administrator (the emulator's admin app) ──
let entra;
let token;
let graphCalls = 0;
function https(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca: entra.certificatePem, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, body: text === '' ? null : JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
async function graph(method, path, body) {
  for (let attempt = 0; ; attempt++) {
    graphCalls += 1;
    const answer = await https(
      method,
      `${entra.url}/v1.0${path}`,
      { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body === undefined ? undefined : JSON.stringify(body),
    );
    if (answer.status === 429 && attempt < 5) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    if (answer.status >= 300)
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}
async function graphAll(path) {
  const items = [];
  let next = `${path}${path.includes('?') ? '&' : '?'}$top=999`;
  while (next) {
    const page = await graph('GET', next);
    items.push(...page.value);
    next = page['@odata.nextLink']?.replace(/^.*\/v1\.0/, '');
  }
  return items;
}

// ── the set-up ──
const dir = await mkdtemp(join(tmpdir(), 'provisio-propagation-bench-'));
const agents = [];
const seed = {
  users: Array.from({ length: USERS }, (_, i) => ({
    userPrincipalName: `user${i}@${domain}`,
    displayName: `Bench User ${i}`,
    givenName: 'Bench',
    surname: `User ${i}`,
    jobTitle: 'Support Engineer',
    department: 'Support',
  })),
  groups: [{ displayName: groupName, members: [] }],
  assignments: [
    { principal: `group:${groupName}`, appRole: 'Agent' },
    ...Array.from({ length: USERS }, (_, i) => ({
      principal: `user${i}@${domain}`,
      appRole: i % 3 === 0 ? 'End-user' : 'Agent',
    })),
  ],
};
for (let i = 0; i < USERS; i++) if (i % 3 !== 0) agents.push(`user${i}@${domain}`);
seed.groups[0].members = agents.slice(0, GROUP_MEMBERS);

log(`starting the emulators (${USERS} users)`);
const caFile = join(dir, 'entra-ca.pem');
[entra] = await Promise.all([startEmulator('entra', { seed, certFile: caFile })]);
const zendesk = await startEmulator('zendesk', { plan: 'enterprise', bulkImport: true });
await writeFile(caFile, entra.certificatePem);
{
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: entra.adminClientId,
    client_secret: entra.adminClientSecret,
    scope: 'https://graph.microsoft.com/.default',
  }).toString();
  const answer = await https(
    'POST',
    `${entra.url}/${entra.tenantId}/oauth2/v2.0/token`,
    { 'content-type': 'application/x-www-form-urlencoded' },
    form,
  );
  token = answer.body.access_token;
}
const sp = entra.servicePrincipalId;
const roles = (await graph('GET', `/servicePrincipals/${sp}`)).appRoles;
const agentRole = roles.find((r) => r.displayName === 'Agent').id;
const group = (await graph('GET', `/groups?$filter=displayName eq '${groupName}'`)).value[0];
// Every user's object id and direct assignment, by userPrincipalName.
const idOf = new Map(
  (await graphAll('/users?$select=id,userPrincipalName')).map((u) => [u.userPrincipalName, u.id]),
);
const assignmentOf = new Map(
  (await graphAll(`/servicePrincipals/${sp}/appRoleAssignedTo`))
    .filter((a) => a.principalType === 'User')
    .map((a) => [a.principalId, a.id]),
);

const env = {
  ...process.env,
  DATABASE_URL: `sqlite:${join(dir, 'provisio.db')}`,
  PROVISIO_SECRET_KEY: randomBytes(32).toString('base64'),
  ENTRA_SECRET: entra.clientSecret,
  ZENDESK_TOKEN: zendesk.apiToken,
};
// The job as `provisio jobs import` stores it: no settings but the scope, so the schedule is the default.
const definition = {
  id: 'propagation',
  source: {
    type: 'entra',
    tenantId: entra.tenantId,
    clientId: entra.clientId,
    clientSecret: { secretRef: 'env:ENTRA_SECRET' },
    servicePrincipalId: sp,
    authorityHost: entra.url,
    graphBaseUrl: entra.url,
    caCertificateFile: caFile,
  },
  target: {
    type: 'zendesk',
    adminUsername: zendesk.adminEmail,
    secretToken: { secretRef: 'env:ZENDESK_TOKEN' },
    domain: zendesk.subdomain,
    baseUrl: zendesk.url,
  },
  settings: { scope: 'assigned' },
};
await writeFile(join(dir, 'job.json'), JSON.stringify(definition));
await run(['jobs', 'import', join(dir, 'job.json')], env, dir);

const probe = async (externalIds) =>
  (await fetch(`${zendesk.probeUrl}/probe?ext=${externalIds.join(',')}`)).json();
const requestCounts = async () => {
  const [g, z] = await Promise.all(
    [entra.url, zendesk.url].map(async (url, i) => {
      const answer = i === 0 ? await https('GET', `${url}/__emulator/requests`, {}) : null;
      return i === 0 ? answer.body.total : (await (await fetch(`${url}/__emulator/requests`)).json()).total;
    }),
  );
  return { graph: g, zendesk: z };
};

log('starting provisio serve (defaults) and waiting for the initial cycle');
const serveStarted = performance.now();
startProcess([bin, 'serve', '--port', '0', '--allow-custom-endpoints', '--log-level', 'warn'], {
  env,
  cwd: dir,
});
const sample = [agents[0], agents.at(-1)].map((upn) => idOf.get(upn));
const initialDeadline = Date.now() + Number(values['initial-timeout']) * 1000;
for (;;) {
  const seen = await probe(sample);
  if (sample.every((id) => seen[id] !== null && seen[id] !== undefined)) break;
  if (Date.now() > initialDeadline) throw new Error('the initial cycle did not finish in time');
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
// The initial cycle writes users, then groups and memberships: wait for the group's last member too.
const lastMember = idOf.get(seed.groups[0].members.at(-1));
while (!(await probe([lastMember]))[lastMember]?.groups.includes(groupName)) {
  if (Date.now() > initialDeadline) throw new Error('the initial cycle did not finish in time');
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
const initialSeconds = Math.round((performance.now() - serveStarted) / 100) / 10;
log(`initial cycle done in ${initialSeconds} s; making ${CHANGES} changes`);

// ── the changes ──
// Pools: agents assigned directly, active, in Zendesk; those also in the group; users created here.
const inGroup = new Set(seed.groups[0].members);
const active = agents.filter((upn) => !inGroup.has(upn));
let created = 0;
const take = (pool) => pool.splice(Math.floor(random() * pool.length), 1)[0];
const kinds = ['create', 'attribute', 'disable', 'unassign', 'groupAdd', 'groupRemove'];

async function makeChange(kind) {
  switch (kind) {
    case 'create': {
      const nick = `prop${created++}`;
      const user = await graph('POST', '/users', {
        accountEnabled: true,
        displayName: `Propagation ${nick}`,
        mailNickname: nick,
        userPrincipalName: `${nick}@${domain}`,
        passwordProfile: { password: 'Passw0rd!Passw0rd!' },
      });
      const assignment = await graph('POST', `/servicePrincipals/${sp}/appRoleAssignedTo`, {
        principalId: user.id,
        resourceId: sp,
        appRoleId: agentRole,
      });
      idOf.set(`${nick}@${domain}`, user.id);
      assignmentOf.set(user.id, assignment.id);
      return {
        id: user.id,
        done: (z) => z !== null && !z.suspended,
        onVisible: () => active.push(`${nick}@${domain}`),
      };
    }
    case 'attribute': {
      const id = idOf.get(pick(active));
      const name = `Renamed ${randomBytes(4).toString('hex')}`;
      await graph('PATCH', `/users/${id}`, { displayName: name });
      return { id, done: (z) => z?.name === name };
    }
    case 'disable': {
      const id = idOf.get(take(active));
      await graph('PATCH', `/users/${id}`, { accountEnabled: false });
      return { id, done: (z) => z?.suspended === true };
    }
    case 'unassign': {
      const id = idOf.get(take(active));
      await graph('DELETE', `/servicePrincipals/${sp}/appRoleAssignedTo/${assignmentOf.get(id)}`);
      return { id, done: (z) => z?.suspended === true };
    }
    case 'groupAdd': {
      const upn = take(active);
      const id = idOf.get(upn);
      await graph('POST', `/groups/${group.id}/members/$ref`, {
        '@odata.id': `${entra.url}/v1.0/directoryObjects/${id}`,
      });
      return { id, done: (z) => z?.groups.includes(groupName) === true, onVisible: () => inGroup.add(upn) };
    }
    case 'groupRemove': {
      const upn = pick([...inGroup]);
      inGroup.delete(upn);
      const id = idOf.get(upn);
      await graph('DELETE', `/groups/${group.id}/members/${id}/$ref`);
      return {
        id,
        done: (z) => z !== null && z !== undefined && !z.groups.includes(groupName),
        onVisible: () => active.push(upn),
      };
    }
  }
}

const before = await requestCounts();
const graphCallsBefore = graphCalls;
const pending = new Set();
const results = [];
let watching = true;
const watcher = (async () => {
  while (watching || pending.size > 0) {
    if (pending.size > 0) {
      const list = [...pending];
      const seen = await probe(list.map((p) => p.id));
      const now = performance.now();
      for (const p of list) {
        if (p.done(seen[p.id] ?? null)) {
          pending.delete(p);
          p.onVisible?.();
          results.push({ kind: p.kind, ms: now - p.at, ok: true });
        } else if (now - p.at > TIMEOUT_MS) {
          pending.delete(p);
          results.push({ kind: p.kind, ms: null, ok: false });
          log(`${p.kind} of ${p.id} not visible after ${TIMEOUT_MS / 1000} s`);
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
})();
const changesStarted = performance.now();
for (let n = 0; n < CHANGES; n++) {
  await new Promise((resolve) => setTimeout(resolve, -Math.log(1 - random()) * MEAN_GAP_MS));
  // Kinds in turn, so that every kind has its share; the user each one touches is picked at random.
  const kind = kinds[n % kinds.length];
  // A user changed but not yet visible is left alone: its change would mix with the next.
  const busy = new Set([...pending].map((p) => p.id));
  if (kind !== 'create' && active.every((upn) => busy.has(idOf.get(upn)))) continue;
  const at = performance.now();
  const change = await makeChange(kind);
  pending.add({ ...change, kind, at });
  if ((n + 1) % 20 === 0) log(`${n + 1}/${CHANGES} changes made, ${results.length} visible`);
}
watching = false;
await watcher;
const changesSeconds = Math.round((performance.now() - changesStarted) / 100) / 10;
const after = await requestCounts();
const serveGraphRequests = after.graph - before.graph - (graphCalls - graphCallsBefore);

for (const child of children) child.kill('SIGTERM');
await new Promise((resolve) => setTimeout(resolve, 1000));
for (const child of children) child.kill('SIGKILL');
await rm(dir, { recursive: true, force: true });

function summary(list) {
  const sorted = list
    .filter((r) => r.ok)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  return {
    changes: list.length,
    failed: list.filter((r) => !r.ok).length,
    p50Seconds: seconds(percentile(sorted, 50)),
    p95Seconds: seconds(percentile(sorted, 95)),
    maxSeconds: seconds(sorted.at(-1) ?? null),
  };
}
const all = summary(results);
log(`p50 ${all.p50Seconds} s, p95 ${all.p95Seconds} s, max ${all.maxSeconds} s, ${all.failed} failed`);

export const result = {
  benchmark: 'propagation',
  description: `${results.length} changes of six kinds made through Graph on the Entra emulator (tenant of ${USERS} users, ${GROUP_MEMBERS} in an assigned group), exponential gaps of mean ${MEAN_GAP_MS / 1000} s, each watched in the Zendesk emulator every ${POLL_MS} ms until visible (${TIMEOUT_MS / 1000} s timeout); provisio serve with its default schedule, each emulator and serve in a process of its own`,
  users: USERS,
  targetP95Seconds: 15,
  initialCycleSeconds: initialSeconds,
  changesSeconds,
  ...all,
  byKind: Object.fromEntries(kinds.map((kind) => [kind, summary(results.filter((r) => r.kind === kind))])),
  requestsDuringChanges: {
    graph: serveGraphRequests,
    zendesk: after.zendesk - before.zendesk,
    graphPerMinute: Math.round((serveGraphRequests / (changesSeconds / 60)) * 10) / 10,
    zendeskPerMinute: Math.round(((after.zendesk - before.zendesk) / (changesSeconds / 60)) * 10) / 10,
  },
};
