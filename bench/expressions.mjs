// Benchmark of the expression module (issue: "evaluating a realistic ten-attribute Zendesk user
// mapping over 100,000 users; target well under one second on this machine").
// Usage: node bench/expressions.mjs [--users 100000] [--runs 5]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { compileMappings } from '../packages/expressions/dist/index.js';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '100000' }, runs: { type: 'string', default: '5' } },
});
const userCount = Number(values.users);
const runs = Number(values.runs);

/** A Zendesk user mapping of the kind an administrator would configure (ten target attributes). */
const mapping = [
  { target: 'external_id', type: 'Direct', source: 'objectId', matching: 1 },
  { target: 'email', type: 'Direct', source: 'userPrincipalName', matching: 2 },
  { target: 'name', type: 'Expression', source: 'Join(" ", [givenName], [surname])' },
  { target: 'role', type: 'Expression', source: 'SingleAppRoleAssignment([appRoleAssignments])' },
  { target: 'phone', type: 'Expression', source: 'Coalesce([mobilePhone], Item([businessPhones], 1))' },
  {
    target: 'locale',
    type: 'Expression',
    source: 'Switch([preferredLanguage], "en-US", "de-DE", "de", "fr-FR", "fr", "ja-JP", "ja")',
    default: 'en-US',
  },
  { target: 'alias', type: 'Expression', source: 'PCase(NormalizeDiacritics([givenName]))' },
  { target: 'details', type: 'Expression', source: 'Join(", ", [jobTitle], [department])' },
  { target: 'suspended', type: 'Expression', source: 'Not([accountEnabled])' },
  {
    target: 'tags',
    type: 'Expression',
    source: 'ToLower(Replace([department], " ", , , "_", , ))',
  },
];

const given = ['Zoë', 'José', 'Søren', 'Łukasz', 'Anaïs', 'Mei', 'Ada', 'Grace', 'Ngozi', 'Ömer'];
const surnames = ['Müller', 'Nuñez', 'Çelik', 'Đorđević', 'Smith', 'Tanaka', 'Okafor', 'Dubois'];
const departments = ['Customer Support', 'Sales', 'Engineering', 'Finance', 'Human Resources'];
const languages = ['en-US', 'de-DE', 'fr-FR', 'ja-JP', null];
const roles = ['Agent', 'End-user', 'Admin', 'Light Agent'];
const users = Array.from({ length: userCount }, (_, i) => ({
  objectId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  userPrincipalName: `user${i}@contoso.example`,
  givenName: given[i % given.length],
  surname: surnames[i % surnames.length],
  mobilePhone: i % 3 === 0 ? null : `+1555${String(i).padStart(7, '0')}`,
  businessPhones: [`+1444${String(i).padStart(7, '0')}`],
  preferredLanguage: languages[i % languages.length],
  jobTitle: 'Specialist',
  department: departments[i % departments.length],
  accountEnabled: i % 33 === 0 ? 'False' : 'True',
  appRoleAssignments: [
    { id: `a-${i}`, displayName: roles[i % roles.length], appRoleId: `r-${i % roles.length}` },
  ],
}));

const compileStart = performance.now();
const compiled = compileMappings(mapping);
const compileMs = performance.now() - compileStart;
if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
const set = compiled.mappings;

const samples = [];
let errors = 0;
for (let run = 0; run < runs; run += 1) {
  errors = 0;
  const start = performance.now();
  for (const attributes of users) {
    const result = set.evaluate({ attributes, operation: 'create', now: new Date('2026-01-01T00:00:00Z') });
    errors += result.errors.length;
  }
  samples.push(performance.now() - start);
}
if (errors > 0) throw new Error(`${errors} attribute errors in the last run`);
const sorted = [...samples].sort((a, b) => a - b);
const medianMs = sorted[Math.floor(sorted.length / 2)];
console.error(
  `${userCount} users × ${mapping.length} attributes: median ${medianMs.toFixed(0)} ms ` +
    `(${((medianMs * 1000) / userCount).toFixed(2)} µs per user), compile ${compileMs.toFixed(1)} ms`,
);

export const result = {
  benchmark: 'expressions',
  users: userCount,
  attributes: mapping.length,
  compileMs,
  medianMs,
  microsecondsPerUser: (medianMs * 1000) / userCount,
  runsMs: samples,
};
