/**
 * `provisio serve`'s log routes over real HTTP (docs/api.md#provisioning-logs,
 * docs/api.md#directory-audits, docs/api.md#cycle-history): entries and audit records seeded in the
 * server's own state store, then filtered and paged through `@odata.nextLink` to the end exactly as
 * a Graph client does.
 */
import type { AuditRecord, CycleRecord, ProvisioningObjectSummary } from '@provisio/engine';
import { emptyCycleCounts } from '@provisio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeHarness, startServeHarness } from './support/serve.js';

let h: ServeHarness;
let reader: string;

const JOBS = ['zendesk.alpha', 'zendesk.beta', 'zendesk.gamma'] as const;
const SP = { 'zendesk.alpha': 'sp-1', 'zendesk.beta': 'sp-1', 'zendesk.gamma': 'sp-2' } as const;
const at = (second: number) => new Date(Date.UTC(2025, 5, 1, 8, 0, second)).toISOString();

function entry(i: number): ProvisioningObjectSummary {
  const jobId = JOBS[i % 3] as (typeof JOBS)[number];
  const person = i % 25;
  const name = person === 7 ? 'Adele Vance' : person === 8 ? 'Adam Smith' : `Person ${person}`;
  return {
    id: `entry-${i}`,
    // Two entries per second: ties are broken by insertion order.
    activityDateTime: at(Math.floor(i / 2)),
    tenantId: 'tenant-1',
    jobId,
    cycleId: `${jobId}-cycle-${Math.floor(i / 100)}`,
    changeId: `change-${i}`,
    provisioningAction: i % 10 === 0 ? 'delete' : i % 3 === 1 ? 'update' : 'create',
    durationInMilliseconds: 4,
    initiatedBy: { id: '', displayName: 'provisio', initiatorType: 'system' },
    modifiedProperties: [{ displayName: 'email', oldValue: null, newValue: `p${person}@example.com` }],
    provisioningSteps: [
      {
        name: 'EntryImport',
        provisioningStepType: 'import',
        status: 'success',
        description: `Received User '${name}'`,
        details: { objectId: `user-${person}` },
      },
    ],
    servicePrincipal: { id: SP[jobId], displayName: 'Zendesk' },
    sourceIdentity: { id: `user-${person}`, displayName: name, identityType: 'User', details: null },
    targetIdentity: {
      id: `${1000 + person}`,
      displayName: name,
      identityType: 'User',
      details: { role: 'agent' },
    },
    sourceSystem: { id: 'entra', displayName: 'Microsoft Entra ID', details: {} },
    targetSystem: { id: 'zendesk', displayName: 'Zendesk', details: {} },
    provisioningStatusInfo: {
      status: i % 13 === 0 ? 'failure' : 'success',
      errorInformation:
        i % 13 === 0
          ? {
              errorCode: 'TooManyRequests',
              reason: 'Zendesk answered 429.',
              additionalDetails: null,
              errorCategory: 'transientFailure',
              recommendedAction: null,
            }
          : null,
    },
  };
}

const ENTRIES = Array.from({ length: 260 }, (_, i) => entry(i));
/** Newest first: later seconds first, and within a second the later-appended first. */
const newestFirst = (keep: (e: ProvisioningObjectSummary) => boolean) =>
  ENTRIES.filter(keep)
    .map((e) => e.id)
    .reverse();

interface Page<T> {
  '@odata.context'?: string;
  '@odata.nextLink'?: string;
  value: T[];
}

/** Follows @odata.nextLink to the end; returns every item and the number of pages. */
async function follow<T>(
  first: string,
  token?: string,
): Promise<{ items: T[]; pages: number; links: string[] }> {
  const items: T[] = [];
  const links: string[] = [];
  let url: string | undefined = `${h.url}${first}`;
  let pages = 0;
  while (url !== undefined) {
    expect(pages).toBeLessThan(100);
    const response = await fetch(url, { headers: { authorization: `Bearer ${token ?? reader}` } });
    expect(response.status, await response.clone().text()).toBe(200);
    const body = (await response.json()) as Page<T>;
    items.push(...body.value);
    pages++;
    url = body['@odata.nextLink'];
    if (url !== undefined) links.push(url);
  }
  return { items, pages, links };
}

const q = (filter: string, extra = '') =>
  `/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent(filter)}${extra}`;
const ids = (items: readonly { id: string }[]) => items.map((i) => i.id);

beforeAll(async () => {
  h = await startServeHarness();
  reader = await h.token('Reader');
  // Appended in batches, as cycles do.
  for (let start = 0; start < ENTRIES.length; start += 50)
    await h.running.store.appendLogs(ENTRIES.slice(start, start + 50));
});
afterAll(async () => {
  await h?.close();
});

describe('GET /v1.0/auditLogs/provisioning', () => {
  it("pages every job's entries newest first, each exactly once, through @odata.nextLink", async () => {
    const { items, pages, links } = await follow<ProvisioningObjectSummary>('/v1.0/auditLogs/provisioning');
    expect(ids(items)).toEqual(newestFirst(() => true));
    expect(pages).toBe(3); // 100 a page by default
    expect(links[0]).toMatch(new RegExp(`^${h.url}/v1\\.0/auditLogs/provisioning\\?\\$skiptoken=`));
    // The entry leaves in Graph's shape, as stored.
    expect(items.find((e) => e.id === 'entry-13')).toEqual(ENTRIES[13]);

    const first = (await (
      await h.call('/v1.0/auditLogs/provisioning?$top=1', { token: reader })
    ).json()) as Page<unknown>;
    expect(first['@odata.context']).toBe(`${h.url}/v1.0/$metadata#auditLogs/provisioning`);
    expect(first.value).toHaveLength(1);
    expect(first['@odata.nextLink']).toContain('$top=1&$skiptoken=');
  });

  it('filters on one job and pages with $top, keeping the filter in nextLink', async () => {
    const { items, pages, links } = await follow<ProvisioningObjectSummary>(
      q("jobId eq 'zendesk.beta'", '&$top=7'),
    );
    expect(ids(items)).toEqual(newestFirst((e) => e.jobId === 'zendesk.beta'));
    expect(pages).toBe(Math.ceil(87 / 7));
    expect(links[0]).toContain(`$filter=${encodeURIComponent("jobId eq 'zendesk.beta'")}&$top=7&$skiptoken=`);
  });

  it('filters on every supported property', async () => {
    const cases: [string, (e: ProvisioningObjectSummary) => boolean][] = [
      ["cycleId eq 'zendesk.alpha-cycle-1'", (e) => e.cycleId === 'zendesk.alpha-cycle-1'],
      ["changeId eq 'change-42'", (e) => e.changeId === 'change-42'],
      ["provisioningAction eq 'delete'", (e) => e.provisioningAction === 'delete'],
      ["provisioningStatusInfo/status eq 'failure'", (e) => e.provisioningStatusInfo.status === 'failure'],
      [
        'activityDateTime ge 2025-06-01T08:00:30Z and activityDateTime lt 2025-06-01T08:01:00Z',
        (e) => e.activityDateTime >= at(30) && e.activityDateTime < at(60),
      ],
      ["sourceIdentity/id eq 'user-3'", (e) => e.sourceIdentity.id === 'user-3'],
      ["targetIdentity/id eq '1004'", (e) => e.targetIdentity.id === '1004'],
      ["sourceIdentity/displayName eq 'Adele Vance'", (e) => e.sourceIdentity.displayName === 'Adele Vance'],
      ["startswith(sourceIdentity/displayName, 'Ad')", (e) => e.sourceIdentity.displayName.startsWith('Ad')],
      [
        "contains(sourceIdentity/displayName, 'son 2')",
        (e) => e.sourceIdentity.displayName.includes('son 2'),
      ],
      ["servicePrincipal/id eq 'sp-2'", (e) => e.servicePrincipal.id === 'sp-2'],
      [
        "jobId eq 'zendesk.alpha' and (provisioningStatusInfo/status eq 'failure' or provisioningAction eq 'delete')",
        (e) =>
          e.jobId === 'zendesk.alpha' &&
          (e.provisioningStatusInfo.status === 'failure' || e.provisioningAction === 'delete'),
      ],
    ];
    for (const [filter, keep] of cases) {
      const { items } = await follow<ProvisioningObjectSummary>(q(filter, '&$top=30'));
      expect(ids(items), filter).toEqual(newestFirst(keep));
      expect(items.length, filter).toBeGreaterThan(0);
    }
  });

  it('refuses a bad $filter with 400 naming the property or operator and listing what is supported', async () => {
    const response = await h.call(q("tenantId eq 'x'"), { token: reader });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { code: string; message: string; details: { target: string }[] };
    };
    expect(body.error.code).toBe('BadRequest');
    expect(body.error.message).toMatch(
      /^Filtering on 'tenantId' is not supported\. Supported: id \(eq\), jobId \(eq, contains, startswith\)/,
    );
    expect(body.error.details[0]?.target).toBe('$filter');

    const operator = (await (await h.call(q("jobId gt 'a'"), { token: reader })).json()) as {
      error: { message: string };
    };
    expect(operator.error.message).toMatch(/operator 'gt' is not supported on 'jobId'/);
    const syntax = (await (await h.call(q("jobId eq 'a"), { token: reader })).json()) as {
      error: { message: string };
    };
    expect(syntax.error.message).toMatch(/unterminated string/);
  });

  it('refuses a bad $top, $orderby or $skiptoken with 400', async () => {
    for (const top of ['0', '1001', 'ten']) {
      const response = await h.call(`/v1.0/auditLogs/provisioning?$top=${top}`, { token: reader });
      expect(response.status, top).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain('$top');
    }
    expect(
      (await h.call('/v1.0/auditLogs/provisioning?$orderby=activityDateTime%20asc', { token: reader }))
        .status,
    ).toBe(400);
    expect(
      (await h.call('/v1.0/auditLogs/provisioning?$orderby=activityDateTime%20desc', { token: reader }))
        .status,
    ).toBe(200);
    expect(
      (await h.call('/v1.0/auditLogs/provisioning?$skiptoken=not-a-token', { token: reader })).status,
    ).toBe(400);

    // A token from one filter is refused with another.
    const page = (await (
      await h.call(q("jobId eq 'zendesk.beta'", '&$top=5'), { token: reader })
    ).json()) as Page<unknown>;
    const token = new URL(page['@odata.nextLink'] as string).searchParams.get('$skiptoken') as string;
    const other = await h.call(`${q("jobId eq 'zendesk.alpha'")}&$skiptoken=${token}`, { token: reader });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: { message: string } }).error.message).toMatch(
      /another \$filter/,
    );
  });

  it('keeps paging stable while a cycle appends entries', async () => {
    const filter = "servicePrincipal/id eq 'sp-1'";
    const first = (await (
      await h.call(q(filter, '&$top=20'), { token: reader })
    ).json()) as Page<ProvisioningObjectSummary>;
    await h.running.store.appendLogs([
      { ...entry(1000), id: 'appended-later', jobId: 'zendesk.alpha', activityDateTime: at(900) },
    ]);
    const rest = await follow<ProvisioningObjectSummary>(
      (first['@odata.nextLink'] as string).slice(h.url.length),
    );
    const seen = [...ids(first.value), ...ids(rest.items)];
    expect(seen).toEqual(newestFirst((e) => e.servicePrincipal.id === 'sp-1'));
  });
});

describe('GET /v1.0/auditLogs/directoryAudits', () => {
  const records: AuditRecord[] = [
    {
      jobId: 'zendesk.alpha',
      id: 'aud-1',
      activityDateTime: at(1),
      activity: 'Add provisioning configuration',
      initiatedBy: 'alice@example.com',
      result: 'success',
      summary: 'Job definition added (revision 1).',
      details: {
        revision: 1,
        before: null,
        after: {
          settings: { interval: '40m' },
          target: { subdomain: 'acme', apiToken: 'PLAIN-SECRET-VALUE' },
        },
      },
    },
    {
      jobId: 'zendesk.alpha',
      id: 'aud-2',
      activityDateTime: at(2),
      activity: 'Update provisioning configuration',
      initiatedBy: 'alice@example.com',
      result: 'success',
      summary: 'Job definition updated to revision 2: settings.interval changed.',
      details: {
        revision: 2,
        changed: ['settings.interval'],
        before: {
          settings: { interval: '40m' },
          source: { clientSecret: { secretRef: 'store:sp/x/EntraClientSecret' } },
        },
        after: {
          settings: { interval: '20m' },
          source: { clientSecret: { secretRef: 'store:sp/x/EntraClientSecret' } },
        },
      },
    },
    {
      jobId: 'zendesk.beta',
      id: 'aud-3',
      activityDateTime: at(3),
      activity: 'Quarantine',
      initiatedBy: 'provisio',
      result: 'failure',
      summary: 'Quarantine (TooManyFailures).',
      details: { reason: 'TooManyFailures', password: 'hunter2' },
    },
    {
      jobId: 'zendesk.beta',
      id: 'aud-4',
      activityDateTime: at(4),
      activity: 'Disable/pause provisioning configuration',
      initiatedBy: 'bob',
      result: 'success',
      summary: 'Provisioning paused.',
      details: {},
    },
  ];

  beforeAll(async () => {
    for (const record of records) await h.running.store.appendAudit(record);
  });

  it("lists every job's records newest first in Graph's directoryAudit shape, secrets masked", async () => {
    const { items, pages } = await follow<Record<string, unknown>>('/v1.0/auditLogs/directoryAudits?$top=3');
    expect(pages).toBe(2);
    expect(ids(items as { id: string }[])).toEqual(['aud-4', 'aud-3', 'aud-2', 'aud-1']);
    const text = JSON.stringify(items);
    expect(text).not.toContain('PLAIN-SECRET-VALUE');
    expect(text).not.toContain('hunter2');
    expect(items[2]).toEqual({
      id: 'aud-2',
      category: 'ProvisioningManagement',
      correlationId: 'aud-2',
      result: 'success',
      resultReason: 'Job definition updated to revision 2: settings.interval changed.',
      activityDisplayName: 'Update provisioning configuration',
      activityDateTime: at(2),
      loggedByService: 'Account Provisioning',
      operationType: 'Update',
      initiatedBy: {
        user: {
          id: null,
          displayName: 'alice@example.com',
          userPrincipalName: 'alice@example.com',
          ipAddress: null,
        },
        app: null,
      },
      targetResources: [
        {
          id: 'zendesk.alpha',
          displayName: 'zendesk.alpha',
          type: 'Other',
          userPrincipalName: null,
          groupType: null,
          modifiedProperties: [{ displayName: 'settings.interval', oldValue: '"40m"', newValue: '"20m"' }],
        },
      ],
      additionalDetails: [{ key: 'revision', value: '2' }],
    });
    const added = items[3] as { operationType: string; targetResources: { modifiedProperties: unknown[] }[] };
    expect(added.operationType).toBe('Add');
    expect(added.targetResources[0]?.modifiedProperties).toContainEqual({
      displayName: 'target.apiToken',
      oldValue: null,
      newValue: '"[redacted]"',
    });
    expect(items[1]).toMatchObject({
      initiatedBy: { user: null, app: { displayName: 'provisio' } },
      additionalDetails: [
        { key: 'reason', value: 'TooManyFailures' },
        { key: 'password', value: '[redacted]' },
      ],
    });
  });

  it('filters as Graph does on directoryAudit', async () => {
    const list = async (filter: string) =>
      ids(
        (
          await follow<{ id: string }>(
            `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}`,
          )
        ).items,
      );
    expect(await list("startswith(activityDisplayName, 'Update')")).toEqual(['aud-2']);
    expect(await list("targetResources/any(t: t/id eq 'zendesk.beta')")).toEqual(['aud-4', 'aud-3']);
    expect(
      await list('activityDateTime ge 2025-06-01T08:00:02Z and activityDateTime le 2025-06-01T08:00:03Z'),
    ).toEqual(['aud-3', 'aud-2']);
    expect(await list("initiatedBy/app/displayName eq 'provisio'")).toEqual(['aud-3']);
    expect(await list("initiatedBy/user/userPrincipalName eq 'alice@example.com'")).toEqual([
      'aud-2',
      'aud-1',
    ]);
    expect(await list("category eq 'ProvisioningManagement' and result eq 'failure'")).toEqual(['aud-3']);
    expect(await list("category eq 'UserManagement'")).toEqual([]);
    const bad = await h.call(
      `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent("contains(activityDisplayName, 'x')")}`,
      {
        token: reader,
      },
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /operator 'contains' is not supported on 'activityDisplayName': use eq or startswith/,
    );
  });
});

describe('GET /provisio/v1/jobs/{jobId}/cycles', () => {
  const cycle = (i: number): CycleRecord => ({
    jobId: 'zendesk.alpha',
    cycleId: `cycle-${String(i).padStart(2, '0')}`,
    kind: i === 0 ? 'initial' : 'incremental',
    state: i === 4 ? 'failed' : 'succeeded',
    startedAt: at(i * 60),
    endedAt: i === 11 ? null : at(i * 60 + 12),
    counts: { ...emptyCycleCounts, created: i },
    error: i === 4 ? 'Zendesk refused the credentials.' : null,
    errorCode: i === 4 ? 'TargetUnauthorized' : null,
  });

  beforeAll(async () => {
    for (let i = 0; i < 12; i++) await h.running.store.saveCycle(cycle(i));
  });

  it("pages a job's cycles newest first with durations", async () => {
    const { items, pages } = await follow<{ id: string; durationMs: number | null }>(
      '/provisio/v1/jobs/zendesk.alpha/cycles?$top=5',
    );
    expect(pages).toBe(3);
    expect(items.map((c) => c.id)).toEqual(
      Array.from({ length: 12 }, (_, i) => `cycle-${String(11 - i).padStart(2, '0')}`),
    );
    expect(items[0]).toMatchObject({ state: 'succeeded', endedAt: null, durationMs: null });
    expect(items[7]).toEqual({
      id: 'cycle-04',
      kind: 'incremental',
      state: 'failed',
      startedAt: at(240),
      endedAt: at(252),
      durationMs: 12_000,
      counts: { ...emptyCycleCounts, created: 4 },
      errorCode: 'TargetUnauthorized',
      error: 'Zendesk refused the credentials.',
    });
  });

  it('answers 404 for a job that does not exist', async () => {
    const response = await h.call('/provisio/v1/jobs/zendesk.nothing/cycles', { token: reader });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'Request_ResourceNotFound',
    );
  });
});
