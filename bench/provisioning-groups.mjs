// Benchmark of the provisioning engine with groups (issue "Provisioning engine, part 2"): an initial
// cycle of 10,000 users, 200 groups assigned to the application and 20,000 memberships (each user in
// two groups, an Agent through them) into an empty Zendesk account on the Professional plan (400
// requests per minute, rate limits on); then a quiet incremental cycle and one with 100 changed users.
// Usage: node bench/provisioning-groups.mjs [--users 10000] [--groups 200] [--members 100] [--runs 3]
import { parseArgs } from 'node:util';
import { runProvisioningBenchmark } from './lib/provisioning-bench.mjs';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    groups: { type: 'string', default: '200' },
    members: { type: 'string', default: '100' },
    changed: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    plan: { type: 'string', default: 'professional' },
  },
});
const measured = await runProvisioningBenchmark({
  users: Number(values.users),
  groups: Number(values.groups),
  membersPerGroup: Number(values.members),
  changed: Number(values.changed),
  runs: Number(values.runs),
  plan: values.plan,
});
export const result = {
  benchmark: 'provisioning-groups',
  description: `initial cycle of ${measured.users} users, ${measured.groups} groups and ${measured.memberships} memberships into an empty Zendesk (${measured.plan} plan, rate limits on), then a quiet incremental cycle, then one with ${values.changed} changed users`,
  ...measured,
};
