// Benchmark of the provisioning engine (issue "Provisioning engine, part 1"): an initial cycle of N
// users assigned in Entra into an empty Zendesk account on the Professional plan (400 requests per
// minute, rate limits on), then an incremental cycle with no change, then one with 100 changed users.
// Everything real but the two services: the Graph and Zendesk connectors over loopback HTTP(S) to the
// emulators, SQLite for the state store.
// Usage: node bench/provisioning.mjs [--users 10000] [--changed 100] [--runs 3]
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startEntraEmulator, startZendeskEmulator, zendeskAppId } from '../packages/emulators/dist/index.js';
import { openStateStore, parseConfig, runCycle, systemClock } from '../packages/engine/dist/index.js';
import { createEntraSource } from '../packages/entra/dist/index.js';
import { createZendeskTarget } from '../packages/zendesk/dist/index.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    changed: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    plan: { type: 'string', default: 'professional' },
  },
});
const users = Number(values.users);
const changed = Number(values.changed);
const runs = Number(values.runs);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const domain = 'provisio-demo.onmicrosoft.com';
const departments = ['Support', 'Billing', 'Sales', 'Engineering', 'Success'];

function seed() {
  return {
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
    assignments: Array.from({ length: users }, (_, i) => ({
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

async function oneRun(entraSeed) {
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
    startZendeskEmulator({ port: 0, plan: values.plan, bulkImport: true, rateLimits: true }),
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'provisio-bench-'));
  const store = await openStateStore(`sqlite:${join(dir, 'state.db')}`);
  await store.migrate();
  try {
    const sp = entra.store.servicePrincipalByAppId(zendeskAppId);
    const config = parseConfig(
      {
        source: {
          type: 'entra',
          tenantId: entra.tenantId,
          clientId: entra.clientId,
          clientSecret: '${S}',
          servicePrincipalId: sp.id,
          authorityHost: entra.url,
          graphBaseUrl: entra.url,
        },
        target: {
          type: 'zendesk',
          adminUsername: zendesk.adminEmail,
          secretToken: '${T}',
          domain: zendesk.settings.subdomain,
          baseUrl: zendesk.url,
        },
      },
      { S: entra.clientSecret, T: zendesk.apiToken },
    );
    const target = createZendeskTarget({
      domain: zendesk.settings.subdomain,
      adminUsername: zendesk.adminEmail,
      secretToken: zendesk.apiToken,
      baseUrl: zendesk.url,
    });
    const source = createEntraSource({
      tenantId: entra.tenantId,
      clientId: entra.clientId,
      clientSecret: entra.clientSecret,
      servicePrincipalId: sp.id,
      authorityHost: entra.url,
      graphBaseUrl: entra.url,
      ca: entra.certificatePem,
    });
    const deps = { source, target, store, clock: systemClock };
    const cache = { index: null };
    const cycle = async () => {
      const before = await requestsOf(zendesk);
      const m = await measured(() => runCycle(deps, config, { cache }));
      const report = m.value;
      const requests = (await requestsOf(zendesk)) - before;
      return {
        ms: Math.round(m.ms),
        requests,
        counts: report.counts,
        state: report.state,
        peakRssMiB: m.peakRssMiB,
        peakHeapMiB: m.peakHeapMiB,
      };
    };
    const initial = await cycle();
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
    return { initial, quiet, changed: hundred };
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

const entraSeed = seed();
const all = [];
for (let run = 0; run < runs; run++) {
  const r = await oneRun(entraSeed);
  process.stderr.write(
    `run ${run + 1}: initial ${r.initial.ms} ms / ${r.initial.requests} requests; quiet ${r.quiet.ms} ms / ${r.quiet.requests}; ${changed} changed ${r.changed.ms} ms / ${r.changed.requests}\n`,
  );
  all.push(r);
}
const summary = (key) => ({
  medianMs: median(all.map((r) => r[key].ms)),
  medianRequests: median(all.map((r) => r[key].requests)),
  requestsPerUser: Number((median(all.map((r) => r[key].requests)) / users).toFixed(4)),
  peakRssMiB: Math.max(...all.map((r) => r[key].peakRssMiB)),
  counts: all[0][key].counts,
});
export const result = {
  benchmark: 'provisioning',
  description: `initial cycle of ${users} assigned users into an empty Zendesk (${values.plan} plan, rate limits on), then a quiet incremental cycle, then one with ${changed} changed users`,
  users,
  runs,
  initial: summary('initial'),
  quietIncremental: summary('quiet'),
  changedIncremental: summary('changed'),
  all,
};
