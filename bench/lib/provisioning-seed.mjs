// The Entra ID tenant of the provisioning benchmarks, built the same in the emulator's process (which
// seeds it) and in the benchmark's (which needs the userPrincipalNames it changes). Pure: no I/O.
//
// Two layouts:
// - `users` N, no `sourceUsers`: N users, each assigned directly to the Zendesk application (every
//   20th as Admin, every third of the others as End-user, the rest as Agent), or, with groups, through
//   G assigned groups of M members each (Agent); the job's scope is `assigned`.
// - `sourceUsers` S with `users` (in scope) N: a tenant of S users of which every (S/N)th is in the
//   department "Support" (N in all) and the others in other departments; the job's scope is `all` and
//   its scoping filter `department EQUALS Support` keeps the N, so that the filter, not the
//   assignment, does the filtering. The N are also assigned to the application with the mix of roles
//   above, so that Zendesk receives what it receives in the first layout.

export const domain = 'provisio-demo.onmicrosoft.com';
export const scopedDepartment = 'Support';
const departments = ['Support', 'Billing', 'Sales', 'Engineering', 'Success'];
const otherDepartments = departments.filter((d) => d !== scopedDepartment);

/** Checks the sizes and returns where the in-scope users are among the tenant's. */
export function layoutOf({ users, sourceUsers, groups = 0, membersPerGroup = 0 }) {
  const positive = (name, n) => {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  };
  positive('--users', users);
  if (sourceUsers === undefined) return { total: users, stride: 1, scoped: false, groups, membersPerGroup };
  positive('--source-users', sourceUsers);
  if (sourceUsers < users)
    throw new RangeError(`--source-users (${sourceUsers}) must be at least --in-scope (${users})`);
  if (groups > 0) throw new RangeError('--source-users does not combine with groups');
  return {
    total: sourceUsers,
    stride: Math.floor(sourceUsers / users),
    scoped: true,
    groups,
    membersPerGroup,
  };
}

/** userPrincipalName of the k-th in-scope user (0 ≤ k < users). */
export const inScopeUserPrincipalName = (layout, k) => `user${k * layout.stride}@${domain}`;

const roleOf = (k) => (k % 20 === 0 ? 'Admin' : k % 3 === 0 ? 'End-user' : 'Agent');

/** The emulator's seed document (docs/emulators.md) for `options` (see layoutOf). */
export function benchSeed(options) {
  const layout = layoutOf(options);
  const { users } = options;
  const { total, stride, scoped, groups, membersPerGroup } = layout;
  const inScope = (i) => i % stride === 0 && i / stride < users;
  const groupList = Array.from({ length: groups }, (_, g) => ({
    displayName: `Bench Group ${g}`,
    members: Array.from(
      { length: membersPerGroup },
      (_, k) => `user${(g * Math.floor(users / Math.max(groups, 1)) + k) % users}@${domain}`,
    ),
  }));
  const seedUsers = Array.from({ length: total }, (_, i) => ({
    userPrincipalName: `user${i}@${domain}`,
    displayName: `Bench User ${i}`,
    givenName: 'Bench',
    surname: `User ${i}`,
    jobTitle: 'Support Engineer',
    department: scoped
      ? inScope(i)
        ? scopedDepartment
        : otherDepartments[i % otherDepartments.length]
      : departments[i % departments.length],
    mobilePhone: `+1415555${String(i).padStart(4, '0')}`,
    preferredLanguage: 'en-US',
  }));
  // With groups, users get their role (Agent) through the groups assigned to the application, so that
  // every membership is one Zendesk can hold; without, a mix of direct roles.
  const assignments =
    groups > 0
      ? groupList.map((g) => ({ principal: `group:${g.displayName}`, appRole: 'Agent' }))
      : Array.from({ length: users }, (_, k) => ({
          principal: inScopeUserPrincipalName(layout, k),
          appRole: roleOf(k),
        }));
  return { ...(groups > 0 ? { groups: groupList } : {}), users: seedUsers, assignments };
}

/** The job's settings and mappings for the layout: scope `all` and the department filter when scoped. */
export function jobScopeOf(layout) {
  if (!layout.scoped) return {};
  return {
    settings: { scope: 'all' },
    mappings: {
      users: {
        scopingFilters: [
          {
            name: 'Support department',
            clauses: [
              {
                sourceOperandName: 'department',
                operatorName: 'EQUALS',
                targetOperand: { values: [scopedDepartment] },
              },
            ],
          },
        ],
      },
    },
  };
}
