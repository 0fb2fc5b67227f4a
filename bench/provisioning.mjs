// Benchmark of the provisioning engine (issues "Provisioning engine, part 1" and 13): an initial cycle
// of N assigned users from the Entra ID emulator into an empty Zendesk emulator (rate limits on), then
// the first incremental cycle right after it, a quiet one a few seconds later, one with C changed
// users, and a quiet one in a fresh process. The emulators run in processes of their own, so that the
// peak RSS reported is provisio's alone. See lib/provisioning-bench.mjs and docs/performance.md.
//
// The default (10,000 users, Professional plan) is what `npm run bench` runs. The sizes, after
// `npm run build`:
//   node --expose-gc bench/provisioning.mjs --users 100000 --plan enterprise --runs 1
//   node --expose-gc bench/provisioning.mjs --source-users 1000000 --in-scope 100000 --plan enterprise --runs 1
// (--source-users S --in-scope N: a tenant of S users, scope `all`, a department scoping filter keeps N.)
// --trace-memory prints heap and RSS at each phase of each cycle and after each source and store call;
// --heap-snapshot-mib M writes a heap snapshot when the initial cycle's heap first reaches M MiB.
// `node bench/run.mjs provisioning -- <flags>` writes the result file with the flags in its name.
import { parseArgs } from 'node:util';
import { runProvisioningBenchmark } from './lib/provisioning-bench.mjs';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    'source-users': { type: 'string' },
    'in-scope': { type: 'string' },
    changed: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    plan: { type: 'string', default: 'professional' },
    'quiet-after': { type: 'string', default: '5' },
    'trace-memory': { type: 'boolean', default: false },
    'heap-snapshot-mib': { type: 'string' },
  },
});
if ((values['source-users'] === undefined) !== (values['in-scope'] === undefined))
  throw new Error(
    '--source-users and --in-scope go together: a tenant of S users of which a scoping filter keeps N',
  );
const users = Number(values['in-scope'] ?? values.users);
const sourceUsers = values['source-users'] === undefined ? undefined : Number(values['source-users']);
const measured = await runProvisioningBenchmark({
  users,
  sourceUsers,
  changed: Number(values.changed),
  runs: Number(values.runs),
  plan: values.plan,
  quietAfterSeconds: Number(values['quiet-after']),
  traceMemory: values['trace-memory'],
  heapSnapshotMiB:
    values['heap-snapshot-mib'] === undefined ? undefined : Number(values['heap-snapshot-mib']),
});
const tenant =
  sourceUsers === undefined
    ? `${measured.users} assigned users`
    : `${measured.users} users kept by a scoping filter out of a tenant of ${sourceUsers}`;
export const result = {
  benchmark: 'provisioning',
  description: `initial cycle of ${tenant} into an empty Zendesk (${measured.plan} plan, rate limits on), then the first incremental cycle right after it, a quiet incremental cycle ${measured.quietAfterSeconds} s later, one with ${values.changed} changed users, and a quiet one in a fresh process; emulators in their own processes`,
  ...measured,
};
