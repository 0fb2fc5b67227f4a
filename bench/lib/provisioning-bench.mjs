// The provisioning benchmarks' shared run: an initial cycle of N users (and optionally G groups of
// M members, assigned to the application) from the Entra emulator into an empty Zendesk emulator,
// then an incremental cycle with no change, then one with `changed` changed users, then a quiet
// incremental cycle in a "fresh process" (new connectors and a new state-store connection, nothing
// kept from the cycles before but the store). Everything real
// but the two services: the Graph and Zendesk connectors over loopback HTTP(S), SQLite for the state.
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  startEntraEmulator,
  startZendeskEmulator,
  zendeskAppId,
} from '../../packages/emulators/dist/index.js';
import {
  compileJob,
  newMirrorCache,
  openStateStore,
  runCycle,
  systemClock,
} from '../../packages/engine/dist/index.js';
import { createEntraSource } from '../../packages/entra/dist/index.js';
import { createZendeskTarget } from '../../packages/zendesk/dist/index.js';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const domain = 'provisio-demo.onmicrosoft.com';
const departments = ['Support', 'Billing', 'Sales', 'Engineering', 'Success'];

function seed({ users, groups, membersPerGroup }) {
  const groupList = Array.from({ length: groups }, (_, g) => ({
    displayName: `Bench Group ${g}`,
    members: Array.from(
      { length: membersPerGroup },
      (_, k) => `user${(g * Math.floor(users / Math.max(groups, 1)) + k) % users}@${domain}`,
    ),
  }));
  return {
    ...(groups > 0 ? { groups: groupList } : {}),
    users: Array.from({ length: users }, (_, i) => ({
      userPrincipalName: `user${i}@${domain}`,
      displayName: `Bench User ${i}`,
      givenName: 'Bench',
      surname: `User ${i}`,
      jobTitle: 'Support Engineer',
      department: departments[i % departments.length],
      mobilePhone: `+1415555${String(i).padStart(4, '0')}`,
      preferredLanguage: 'en-US',
    })),
    // With groups, users get their role (Agent) through the groups assigned to the application,
    // so that every membership is one Zendesk can hold; without, a mix of direct roles.
    assignments:
      groups > 0
        ? groupList.map((g) => ({ principal: `group:${g.displayName}`, appRole: 'Agent' }))
        : Array.from({ length: users }, (_, i) => ({
            principal: `user${i}@${domain}`,
            appRole: i % 20 === 0 ? 'Admin' : i % 3 === 0 ? 'End-user' : 'Agent',
          })),
  };
}

/** Samples the heap and RSS while `work` runs; returns its result with the peaks. */
async function measured(work) {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 50);
  const started = performance.now();
  try {
    const value = await work();
    sample();
    return {
      value,
      ms: performance.now() - started,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      peakHeapMiB: Math.round(peakHeap / 2 ** 20),
    };
  } finally {
    clearInterval(timer);
  }
}

async function oneRun(entraSeed, { plan, changed }) {
  const [entra, zendesk] = await Promise.all([
    startEntraEmulator({
      port: 0,
      seed: entraSeed,
      rateLimits: false,
      permissions: [
        'User.ReadWrite.All',
        'Group.Read.All',
        'GroupMember.Read.All',
        'Application.ReadWrite.OwnedBy',
        'AppRoleAssignment.ReadWrite.All',
      ],
    }),
    startZendeskEmulator({ port: 0, plan, bulkImport: true, rateLimits: true }),
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'provisio-bench-'));
  const databaseUrl = `sqlite:${join(dir, 'state.db')}`;
  const store = await openStateStore(databaseUrl);
  await store.migrate();
  try {
    const sp = entra.store.servicePrincipalByAppId(zendeskAppId);
    const secrets = { 'env:S': entra.clientSecret, 'env:T': zendesk.apiToken };
    const config = await compileJob(
      {
        id: `zendesk.${zendesk.settings.subdomain}`,
        source: {
          type: 'entra',
          tenantId: entra.tenantId,
          clientId: entra.clientId,
          clientSecret: { secretRef: 'env:S' },
          servicePrincipalId: sp.id,
          authorityHost: entra.url,
          graphBaseUrl: entra.url,
        },
        target: {
          type: 'zendesk',
          adminUsername: zendesk.adminEmail,
          secretToken: { secretRef: 'env:T' },
          domain: zendesk.settings.subdomain,
          baseUrl: zendesk.url,
        },
      },
      { resolve: async (reference) => ({ found: true, value: secrets[reference] }) },
    );
    // New connector instances (and, for the fresh process, a new store connection) hold no state of
    // their own between cycles: everything a cycle needs is in the store.
    const connectors = () => ({
      target: createZendeskTarget({
        domain: zendesk.settings.subdomain,
        adminUsername: zendesk.adminEmail,
        secretToken: zendesk.apiToken,
        baseUrl: zendesk.url,
      }),
      source: createEntraSource({
        tenantId: entra.tenantId,
        clientId: entra.clientId,
        clientSecret: entra.clientSecret,
        servicePrincipalId: sp.id,
        authorityHost: entra.url,
        graphBaseUrl: entra.url,
        ca: entra.certificatePem,
      }),
    });
    const deps = { ...connectors(), store, clock: systemClock };
    // The warm cycles share one in-memory target mirror, as a `sync` loop does; the fresh-process
    // cycle has none and reads the mirror from the store.
    const cache = newMirrorCache();
    const cycle = async (cycleDeps = deps, cycleCache = cache) => {
      const before = await requestsOf(zendesk);
      const m = await measured(() => runCycle(cycleDeps, config, cycleCache ? { cache: cycleCache } : {}));
      const report = m.value;
      const requests = (await requestsOf(zendesk)) - before;
      return {
        ms: Math.round(m.ms),
        requests,
        kind: report.kind,
        counts: report.counts,
        state: report.state,
        peakRssMiB: m.peakRssMiB,
        peakHeapMiB: m.peakHeapMiB,
      };
    };
    const initial = await cycle();
    const initialByRoute = (await (await fetch(`${zendesk.url}/__emulator/requests`)).json()).byRoute
      .filter((r) => r.count > 0)
      .map((r) => `${r.method} ${r.route} ${r.status}: ${r.count}`);
    const quiet = await cycle();
    // Change `changed` users in the directory (job title), as Graph PATCHes would.
    const token = await graphToken(entra);
    for (let i = 0; i < changed; i++) {
      const answer = await https(
        entra.certificatePem,
        'PATCH',
        `${entra.url}/v1.0/users/user${i}@${domain}`,
        { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        JSON.stringify({ jobTitle: 'Senior Support Engineer' }),
      );
      if (answer.status !== 204) throw new Error(`PATCH user${i}: ${answer.status} ${answer.body}`);
    }
    const hundred = await cycle();
    const freshStore = await openStateStore(databaseUrl);
    let fresh;
    try {
      fresh = await cycle({ ...connectors(), store: freshStore, clock: systemClock }, null);
    } finally {
      await freshStore.close();
    }
    if (fresh.kind !== 'incremental') throw new Error(`the fresh-process cycle was ${fresh.kind}`);
    return { initial: { ...initial, byRoute: initialByRoute }, quiet, changed: hundred, fresh };
  } finally {
    await store.close();
    await Promise.all([entra.close(), zendesk.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

/** API requests the Zendesk emulator has answered (its control plane is not counted). */
async function requestsOf(zendesk) {
  const answer = await fetch(`${zendesk.url}/__emulator/requests`);
  return (await answer.json()).total;
}

function https(ca, method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function graphToken(entra) {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: entra.clientId,
    client_secret: entra.clientSecret,
    scope: 'https://graph.microsoft.com/.default',
  }).toString();
  const answer = await https(
    entra.certificatePem,
    'POST',
    `${entra.url}/${entra.tenantId}/oauth2/v2.0/token`,
    { 'content-type': 'application/x-www-form-urlencoded' },
    form,
  );
  return JSON.parse(answer.body).access_token;
}

/** Runs the benchmark `runs` times and summarises medians. */
export async function runProvisioningBenchmark({
  users,
  groups = 0,
  membersPerGroup = 0,
  changed = 100,
  runs = 3,
  plan = 'professional',
}) {
  const entraSeed = seed({ users, groups, membersPerGroup });
  const objects = users + groups + groups * membersPerGroup;
  const all = [];
  for (let run = 0; run < runs; run++) {
    const r = await oneRun(entraSeed, { plan, changed });
    process.stderr.write(
      `run ${run + 1}: initial ${r.initial.ms} ms / ${r.initial.requests} requests; quiet ${r.quiet.ms} ms / ${r.quiet.requests}; ${changed} changed ${r.changed.ms} ms / ${r.changed.requests}; quiet, fresh process ${r.fresh.ms} ms / ${r.fresh.requests}\n`,
    );
    all.push(r);
  }
  const summary = (key) => ({
    medianMs: median(all.map((r) => r[key].ms)),
    medianRequests: median(all.map((r) => r[key].requests)),
    requestsPerObject: Number((median(all.map((r) => r[key].requests)) / objects).toFixed(4)),
    peakRssMiB: Math.max(...all.map((r) => r[key].peakRssMiB)),
    counts: all[0][key].counts,
  });
  return {
    users,
    groups,
    memberships: groups * membersPerGroup,
    objects,
    runs,
    plan,
    initial: summary('initial'),
    quietIncremental: summary('quiet'),
    changedIncremental: summary('changed'),
    quietIncrementalFreshProcess: summary('fresh'),
    all,
  };
}
