// Benchmark of the provisioning engine (issue "Provisioning engine, part 1"): an initial cycle of
// 10,000 users assigned in Entra into an empty Zendesk account on the Professional plan (400 requests
// per minute, rate limits on), then an incremental cycle with no change, then one with 100 changed
// users. See lib/provisioning-bench.mjs.
// Usage: node bench/provisioning.mjs [--users 10000] [--changed 100] [--runs 3] [--plan professional]
import { parseArgs } from 'node:util';
import { runProvisioningBenchmark } from './lib/provisioning-bench.mjs';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    changed: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    plan: { type: 'string', default: 'professional' },
  },
});
const measured = await runProvisioningBenchmark({
  users: Number(values.users),
  changed: Number(values.changed),
  runs: Number(values.runs),
  plan: values.plan,
});
export const result = {
  benchmark: 'provisioning',
  description: `initial cycle of ${measured.users} assigned users into an empty Zendesk (${measured.plan} plan, rate limits on), then a quiet incremental cycle, then one with ${values.changed} changed users`,
  ...measured,
};
