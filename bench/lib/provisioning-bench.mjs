// The provisioning benchmarks' shared run. The Entra ID and Zendesk emulators run in processes of
// their own (emulator-child.mjs); provisio's cycles run in this one (the real Graph and Zendesk
// connectors over loopback HTTPS and HTTP, SQLite for the state, the default mappings), so that this
// process's memory is provisio's alone. Each run:
//   1. initial: every in-scope user (and group) into an empty Zendesk account;
//   2. first incremental, right after it (nothing changed);
//   3. quiet incremental, `quietAfterSeconds` later (nothing changed);
//   4. incremental after `changed` in-scope users' jobTitle is changed through Graph PATCH;
//   5. quiet incremental in a "fresh process": new connectors and a new state-store connection, nothing
//      kept from the cycles before but the store (it runs in this process all the same).
// Per cycle: time, Zendesk requests (counted by the Zendesk emulator), Graph and identity-platform
// requests (counted by the Entra emulator), each per route, and this process's peak RSS and heap.
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeHeapSnapshot } from 'node:v8';
import {
  compileJob,
  newMirrorCache,
  openStateStore,
  runCycle,
  systemClock,
} from '../../packages/engine/dist/index.js';
import { createEntraSource } from '../../packages/entra/dist/index.js';
import { createZendeskTarget } from '../../packages/zendesk/dist/index.js';
import {
  adminToken,
  peakRssMiBOf,
  requestLogOf,
  requestsBetween,
  send,
  startEmulatorProcess,
} from './emulator-processes.mjs';
import { inScopeUserPrincipalName, jobScopeOf, layoutOf } from './provisioning-seed.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (bytes) => Math.round(bytes / 2 ** 20);
const log = (text) => process.stderr.write(`[provisioning bench] ${text}\n`);

/**
 * Linux keeps the process's peak RSS (VmHWM) and resets it on `5` written to clear_refs: a cycle's
 * peak is then exact, not only what the 50 ms samples caught. False where that is not possible.
 */
function resetPeakRss() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return peakRssMiBOf(process.pid) !== null;
  } catch {
    return false;
  }
}

/**
 * Runs `work`, sampling RSS and heap every 50 ms; returns its value, time and peaks (MiB). With
 * `snapshotAtMiB`, the first sample whose heap reaches it writes a heap snapshot into the working
 * directory (Heap-<date>-<pid>-….heapsnapshot; it stops the process while written).
 */
async function measured(work, { snapshotAtMiB } = {}) {
  let snapshot = null;
  global.gc?.();
  const exact = resetPeakRss();
  const before = process.memoryUsage();
  let sampledRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    sampledRss = Math.max(sampledRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    if (snapshotAtMiB !== undefined && snapshot === null && m.heapUsed >= snapshotAtMiB * 2 ** 20) {
      snapshot = writeHeapSnapshot();
      log(`heap snapshot at ${mib(m.heapUsed)} MiB: ${snapshot}`);
    }
  };
  const timer = setInterval(sample, 50);
  const started = performance.now();
  try {
    const value = await work();
    const ms = performance.now() - started;
    sample();
    const sampledPeakRssMiB = mib(sampledRss);
    return {
      value,
      ms,
      rssBeforeMiB: mib(before.rss),
      peakRssMiB: exact ? Math.max(peakRssMiBOf(process.pid), sampledPeakRssMiB) : sampledPeakRssMiB,
      peakRssExact: exact,
      peakHeapMiB: mib(peakHeap),
      heapBeforeMiB: mib(before.heapUsed),
      ...(snapshot ? { heapSnapshot: snapshot } : {}),
    };
  } finally {
    clearInterval(timer);
  }
}

/**
 * `--trace-memory`: where a cycle's memory goes, stage by stage. Records heap and RSS when the cycle
 * enters a phase (its onProgress) and after each call to the source connector and the state store
 * resolves (the connectors are wrapped, the engine is not touched). No garbage collection is forced,
 * so heap figures include garbage not yet collected; the RSS is what the kernel holds.
 */
function memoryTracer() {
  const started = performance.now();
  const entries = [];
  const record = (what) => {
    const m = process.memoryUsage();
    entries.push({
      at: Math.round(performance.now() - started),
      what,
      heapMiB: mib(m.heapUsed),
      rssMiB: mib(m.rss),
      externalMiB: mib(m.external + m.arrayBuffers),
    });
  };
  let phase = null;
  const wrap = (name, object) =>
    new Proxy(object, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== 'function') return value;
        return (...args) => {
          const answer = value.apply(target, args);
          if (answer instanceof Promise)
            return answer.then((resolved) => {
              record(`${name}.${String(key)}${Array.isArray(resolved) ? ` → ${resolved.length}` : ''}`);
              return resolved;
            });
          return answer;
        };
      },
    });
  return {
    entries,
    deps: (deps) => ({ ...deps, source: wrap('source', deps.source), store: wrap('store', deps.store) }),
    onProgress: (progress) => {
      if (progress.phase === phase) return;
      phase = progress.phase;
      record(`phase ${phase}`);
    },
  };
}

const isGraphRoute = (route) => route.startsWith('/v1.0/') || route.startsWith('/beta/');
const routeLines = (byRoute) => byRoute.map((r) => `${r.method} ${r.route} ${r.status}: ${r.count}`);

/** Graph requests apart from the identity platform's (tokens, discovery). */
function splitEntra(requests) {
  const graph = requests.byRoute.filter((r) => isGraphRoute(r.route));
  const identity = requests.byRoute.filter((r) => !isGraphRoute(r.route));
  const sum = (rows) => rows.reduce((n, r) => n + r.count, 0);
  return {
    graph: { total: sum(graph), byRoute: graph },
    identity: { total: sum(identity), byRoute: identity },
  };
}

async function oneRun(options) {
  const { layout, plan, changed, quietAfterSeconds, entraHeapMiB, traceMemory, heapSnapshotMiB } = options;
  const seedStarted = performance.now();
  const [entra, zendesk] = await Promise.all([
    startEmulatorProcess(
      { kind: 'entra', rateLimits: false, seed: options.seed },
      { maxOldSpaceMiB: entraHeapMiB },
    ),
    startEmulatorProcess(
      { kind: 'zendesk', plan, bulkImport: true, rateLimits: true },
      { maxOldSpaceMiB: 4096 },
    ),
  ]);
  log(
    `emulators ready in ${Math.round((performance.now() - seedStarted) / 1000)} s (${layout.total} Entra users)`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'provisio-bench-'));
  const databaseUrl = `sqlite:${join(dir, 'state.db')}`;
  const store = await openStateStore(databaseUrl);
  await store.migrate();
  try {
    const secrets = { 'env:S': entra.clientSecret, 'env:T': zendesk.apiToken };
    const config = await compileJob(
      {
        id: `zendesk.${zendesk.subdomain}`,
        source: {
          type: 'entra',
          tenantId: entra.tenantId,
          clientId: entra.clientId,
          clientSecret: { secretRef: 'env:S' },
          servicePrincipalId: entra.servicePrincipalId,
          authorityHost: entra.url,
          graphBaseUrl: entra.url,
        },
        target: {
          type: 'zendesk',
          adminUsername: zendesk.adminEmail,
          secretToken: { secretRef: 'env:T' },
          domain: zendesk.subdomain,
          baseUrl: zendesk.url,
        },
        ...jobScopeOf(layout),
      },
      { resolve: async (reference) => ({ found: true, value: secrets[reference] }) },
    );
    // New connector instances (and, for the fresh process, a new store connection) hold no state of
    // their own between cycles: everything a cycle needs is in the store.
    const connectors = () => ({
      target: createZendeskTarget({
        domain: zendesk.subdomain,
        adminUsername: zendesk.adminEmail,
        secretToken: zendesk.apiToken,
        baseUrl: zendesk.url,
      }),
      source: createEntraSource({
        tenantId: entra.tenantId,
        clientId: entra.clientId,
        clientSecret: entra.clientSecret,
        servicePrincipalId: entra.servicePrincipalId,
        authorityHost: entra.url,
        graphBaseUrl: entra.url,
        ca: entra.certificatePem,
      }),
    });
    const deps = { ...connectors(), store, clock: systemClock };
    // The warm cycles share one in-memory target mirror, as a `sync` loop does; the fresh-process
    // cycle has none and reads the mirror from the store.
    const cache = newMirrorCache();
    const cycle = async (name, cycleDeps = deps, cycleCache = cache) => {
      const [z0, e0] = await Promise.all([requestLogOf(zendesk), requestLogOf(entra)]);
      const tracer = traceMemory ? memoryTracer() : null;
      const m = await measured(
        () =>
          runCycle(tracer ? tracer.deps(cycleDeps) : cycleDeps, config, {
            ...(cycleCache ? { cache: cycleCache } : {}),
            ...(tracer ? { onProgress: tracer.onProgress } : {}),
          }),
        name === 'initial' && heapSnapshotMiB !== undefined ? { snapshotAtMiB: heapSnapshotMiB } : {},
      );
      if (tracer) {
        for (const e of tracer.entries)
          log(
            `  ${name} +${e.at} ms ${e.what}: heap ${e.heapMiB} MiB, RSS ${e.rssMiB} MiB, external ${e.externalMiB} MiB`,
          );
      }
      const [z1, e1] = await Promise.all([requestLogOf(zendesk), requestLogOf(entra)]);
      const z = requestsBetween(z0, z1);
      const { graph, identity } = splitEntra(requestsBetween(e0, e1));
      const report = m.value;
      const result = {
        ms: Math.round(m.ms),
        kind: report.kind,
        zendeskRequests: z.total,
        graphRequests: graph.total,
        identityRequests: identity.total,
        requests: z.total + graph.total + identity.total,
        counts: report.counts,
        state: report.state,
        rssBeforeMiB: m.rssBeforeMiB,
        peakRssMiB: m.peakRssMiB,
        peakRssExact: m.peakRssExact,
        heapBeforeMiB: m.heapBeforeMiB,
        peakHeapMiB: m.peakHeapMiB,
        zendeskByRoute: routeLines(z.byRoute),
        graphByRoute: routeLines([...graph.byRoute, ...identity.byRoute]),
        ...(tracer ? { memoryTrace: tracer.entries } : {}),
        ...(m.heapSnapshot ? { heapSnapshot: m.heapSnapshot } : {}),
      };
      log(
        `${name}: ${result.ms} ms, ${result.zendeskRequests} Zendesk + ${result.graphRequests} Graph + ${result.identityRequests} identity requests, peak RSS ${result.peakRssMiB} MiB, peak heap ${result.peakHeapMiB} MiB`,
      );
      return result;
    };
    const initial = await cycle('initial');
    const firstIncremental = await cycle('first incremental');
    await sleep(quietAfterSeconds * 1000);
    const quiet = await cycle(`quiet (${quietAfterSeconds} s later)`);
    // Change `changed` in-scope users in the directory (job title) through Graph, as an administrator
    // would; the administration app's requests fall between cycles and are not counted in any.
    const token = await adminToken(entra);
    for (let k = 0; k < changed; k++) {
      const answer = await send('PATCH', `${entra.url}/v1.0/users/${inScopeUserPrincipalName(layout, k)}`, {
        ca: entra.certificatePem,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jobTitle: 'Senior Support Engineer' }),
      });
      if (answer.status !== 204) throw new Error(`PATCH user ${k}: ${answer.status} ${answer.body}`);
    }
    const changedCycle = await cycle(`${changed} changed`);
    const freshStore = await openStateStore(databaseUrl);
    let fresh;
    try {
      fresh = await cycle(
        'quiet, fresh process',
        { ...connectors(), store: freshStore, clock: systemClock },
        null,
      );
    } finally {
      await freshStore.close();
    }
    if (fresh.kind !== 'incremental') throw new Error(`the fresh-process cycle was ${fresh.kind}`);
    return {
      initial,
      firstIncremental,
      quiet,
      changed: changedCycle,
      fresh,
      emulatorPeakRssMiB: { entra: entra.peakRssMiB(), zendesk: zendesk.peakRssMiB() },
    };
  } finally {
    await store.close();
    await Promise.all([entra.close(), zendesk.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the benchmark `runs` times and summarises medians (peaks: the highest). `users` is the number
 * of in-scope users; with `sourceUsers`, the tenant holds that many and a scoping filter keeps `users`
 * (see provisioning-seed.mjs).
 */
export async function runProvisioningBenchmark({
  users,
  sourceUsers,
  groups = 0,
  membersPerGroup = 0,
  changed = 100,
  runs = 3,
  plan = 'professional',
  quietAfterSeconds = 5,
  traceMemory = false,
  heapSnapshotMiB,
}) {
  const seed = { users, sourceUsers, groups, membersPerGroup };
  const layout = layoutOf(seed);
  if (changed > users)
    throw new RangeError(`--changed (${changed}) must be at most the in-scope users (${users})`);
  // The emulator holds about 3.3 KiB a user (a million-user tenant: 3.2 GiB RSS); its heap gets twice
  // that, so that seeding does not crawl through garbage collections near the limit.
  const entraHeapMiB = Math.max(2048, Math.ceil((layout.total * 7) / 1024));
  const objects = users + groups + groups * membersPerGroup;
  const all = [];
  for (let run = 0; run < runs; run++) {
    const r = await oneRun({
      layout,
      seed,
      plan,
      changed,
      quietAfterSeconds,
      entraHeapMiB,
      traceMemory,
      heapSnapshotMiB,
    });
    log(
      `run ${run + 1}: initial ${r.initial.ms} ms / ${r.initial.requests} requests; first incremental ${r.firstIncremental.ms} ms / ${r.firstIncremental.requests}; quiet ${r.quiet.ms} ms / ${r.quiet.requests}; ${changed} changed ${r.changed.ms} ms / ${r.changed.requests}; quiet, fresh process ${r.fresh.ms} ms / ${r.fresh.requests}`,
    );
    all.push(r);
  }
  const summary = (key) => {
    const med = (field) => median(all.map((r) => r[key][field]));
    return {
      medianMs: med('ms'),
      medianZendeskRequests: med('zendeskRequests'),
      medianGraphRequests: med('graphRequests'),
      medianIdentityRequests: med('identityRequests'),
      medianRequests: med('requests'),
      zendeskRequestsPerObject: Number((med('zendeskRequests') / objects).toFixed(4)),
      requestsPerObject: Number((med('requests') / objects).toFixed(4)),
      peakRssMiB: Math.max(...all.map((r) => r[key].peakRssMiB)),
      peakHeapMiB: Math.max(...all.map((r) => r[key].peakHeapMiB)),
      counts: all[0][key].counts,
      zendeskByRoute: all[0][key].zendeskByRoute,
      graphByRoute: all[0][key].graphByRoute,
    };
  };
  return {
    users,
    sourceUsers: layout.total,
    scope: layout.scoped ? 'all, scoping filter department EQUALS Support' : 'assigned',
    groups,
    memberships: groups * membersPerGroup,
    objects,
    runs,
    plan,
    quietAfterSeconds,
    processes:
      'provisio (runCycle) in the benchmark process; the Entra ID and Zendesk emulators in one child process each',
    initial: summary('initial'),
    firstIncremental: summary('firstIncremental'),
    quietIncremental: summary('quiet'),
    changedIncremental: summary('changed'),
    quietIncrementalFreshProcess: summary('fresh'),
    emulatorPeakRssMiB: {
      entra: Math.max(...all.map((r) => r.emulatorPeakRssMiB.entra ?? 0)),
      zendesk: Math.max(...all.map((r) => r.emulatorPeakRssMiB.zendesk ?? 0)),
    },
    all,
  };
}
