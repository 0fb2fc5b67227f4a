/**
 * `GET /provisio/v1/auditLogs/provisioning/export` over real HTTP (docs/api.md#provisioning-logs):
 * the provisioning log as Entra's three CSV files (the same text `provisio logs --format csv`
 * writes) or as Graph's JSON, narrowed by `$filter`, bounded at 50,000 entries, for Readers.
 */

import type { ProvisioningObjectSummary } from '@provisio/engine';
import { toCsvFiles } from '@provisio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EXPORT_ENTRIES, TRUNCATED_HEADER } from '../../server/src/routes/audit-logs.js';
import { type ServeHarness, startServeHarness } from './support/serve.js';

let h: ServeHarness;
let reader: string;

const at = (second: number) => new Date(Date.UTC(2025, 5, 1, 8, 0, second)).toISOString();

function entry(i: number): ProvisioningObjectSummary {
  const jobId = i % 2 === 0 ? 'zendesk.alpha' : 'zendesk.beta';
  const name = i === 3 ? 'Adele Vance' : `Person ${i}`;
  return {
    id: `entry-${i}`,
    activityDateTime: at(i),
    tenantId: 'tenant-1',
    jobId,
    cycleId: `${jobId}-cycle-1`,
    changeId: `change-${i}`,
    provisioningAction: i % 5 === 0 ? 'update' : 'create',
    durationInMilliseconds: 7,
    initiatedBy: { id: '', displayName: 'provisio', initiatorType: 'system' },
    modifiedProperties: [
      { displayName: 'email', oldValue: null, newValue: `p${i}@example.com` },
      // A value read through Redact(…) stays redacted in every download.
      { displayName: 'phone', oldValue: '[Redact]', newValue: '[Redact]' },
    ],
    provisioningSteps: [
      {
        name: 'EntryImport',
        provisioningStepType: 'import',
        status: 'success',
        description: `Received User '${name}'`,
        details: { objectId: `user-${i}`, 'display, name': name },
      },
      {
        name: 'EntryExportAdd',
        provisioningStepType: 'export',
        status: i === 4 ? 'failure' : 'success',
        description: 'User was created in Zendesk',
        details: {},
      },
    ],
    servicePrincipal: { id: 'sp-1', displayName: 'Zendesk' },
    sourceIdentity: { id: `user-${i}`, displayName: name, identityType: 'User', details: null },
    targetIdentity: { id: `${1000 + i}`, displayName: name, identityType: 'User', details: null },
    sourceSystem: { id: 'entra', displayName: 'Microsoft Entra ID', details: {} },
    targetSystem: { id: 'zendesk', displayName: 'Zendesk', details: {} },
    provisioningStatusInfo: {
      status: i === 4 ? 'failure' : 'success',
      errorInformation:
        i === 4
          ? {
              errorCode: 'TooManyRequests',
              reason: 'Zendesk answered 429, "slow down".',
              additionalDetails: null,
              errorCategory: 'transientFailure',
              recommendedAction: 'Nothing: the next cycle retries.',
            }
          : null,
    },
  };
}

const ENTRIES = Array.from({ length: 12 }, (_, i) => entry(i));
const newestFirst = [...ENTRIES].reverse();

const exportUrl = (params: Record<string, string>) =>
  `/provisio/v1/auditLogs/provisioning/export?${new URLSearchParams(params).toString()}`;

async function download(params: Record<string, string>, token = reader) {
  const response = await h.call(exportUrl(params), { token });
  expect(response.status, await response.clone().text()).toBe(200);
  // Decoded keeping the byte-order mark (Response#text drops it).
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer());
  return { response, text };
}

/** RFC 4180 records (quoted fields may hold commas, quotes and newlines), as objects by header. */
function rows(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  const body = text.replace(/^\ufeff/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === '\n') {
      record.push(field);
      field = '';
      if (c === '\n') {
        records.push(record);
        record = [];
      }
    } else field += c;
  }
  const [header = [], ...data] = records;
  return data.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ''])));
}

beforeAll(async () => {
  h = await startServeHarness();
  reader = await h.token('Reader');
  await h.running.store.appendLogs(ENTRIES);
});
afterAll(async () => {
  await h?.close();
});

describe('GET /provisio/v1/auditLogs/provisioning/export', () => {
  it("writes Entra's three CSV files, each exactly as `provisio logs --format csv` does", async () => {
    const cli = toCsvFiles(newestFirst);
    const files = {
      summary: 'ProvisioningLogs.csv',
      steps: 'ProvisioningLogs_ProvisioningSteps.csv',
      modifiedProperties: 'ProvisioningLogs_ModifiedProperties.csv',
    } as const;
    for (const [file, name] of Object.entries(files)) {
      const { response, text } = await download({ format: 'csv', file });
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${name}"`);
      expect(response.headers.get(TRUNCATED_HEADER)).toBeNull();
      expect(text).toBe(cli[name]);
    }
    const summary = await download({ file: 'summary' });
    expect(summary.text.charCodeAt(0)).toBe(0xfeff);
    expect(summary.text.slice(1).split('\n')[0]).toBe(
      'Date (UTC),Change ID,Cycle ID,Job ID,Action,Status,Source Identity ID,Source Identity Name,' +
        'Source Identity Type,Target Identity ID,Target Identity Name,Source System,Target System,' +
        'Error Code,Status Reason,Recommended Action,Duration (ms),Tenant ID,Service Principal ID,' +
        'Service Principal Name',
    );
    const parsed = rows(summary.text);
    expect(parsed.map((r) => r['Change ID'])).toEqual(newestFirst.map((e) => e.changeId));
    expect(parsed.find((r) => r['Change ID'] === 'change-4')).toMatchObject({
      Status: 'failure',
      'Error Code': 'TooManyRequests',
      'Status Reason': 'Zendesk answered 429, "slow down".',
    });
    const steps = rows((await download({ file: 'steps' })).text);
    expect(steps).toHaveLength(24);
    expect(steps[0]).toEqual({
      'Change ID': 'change-11',
      'Step Number': '1',
      Name: 'EntryImport',
      'Step Type': 'import',
      Status: 'success',
      Description: "Received User 'Person 11'",
      Details: JSON.stringify({ objectId: 'user-11', 'display, name': 'Person 11' }),
    });
    const properties = rows((await download({ file: 'modifiedProperties' })).text);
    expect(properties.filter((p) => p['Name'] === 'phone').map((p) => p['New Value'])).toEqual(
      Array(12).fill('[Redact]'),
    );
  });

  it('narrows every file with $filter', async () => {
    const filter = "jobId eq 'zendesk.alpha' and provisioningAction eq 'create'";
    const expected = newestFirst.filter(
      (e) => e.jobId === 'zendesk.alpha' && e.provisioningAction === 'create',
    );
    expect(expected.length).toBeGreaterThan(0);
    const summary = rows((await download({ file: 'summary', $filter: filter })).text);
    expect(summary.map((r) => r['Change ID'])).toEqual(expected.map((e) => e.changeId));
    const steps = rows((await download({ file: 'steps', $filter: filter })).text);
    expect(new Set(steps.map((r) => r['Change ID']))).toEqual(new Set(expected.map((e) => e.changeId)));
    const adele = rows(
      (await download({ file: 'summary', $filter: "startswith(sourceIdentity/displayName, 'Adele')" })).text,
    );
    expect(adele.map((r) => r['Source Identity Name'])).toEqual(['Adele Vance']);
    // Nothing matches: the header row alone.
    const none = await download({ file: 'modifiedProperties', $filter: "cycleId eq 'nope'" });
    expect(none.text).toBe('\ufeffChange ID,Name,Old Value,New Value\n');
  });

  it("downloads Graph's JSON: the entries as the list route gives them", async () => {
    const { response, text } = await download({ format: 'json', $filter: "jobId eq 'zendesk.beta'" });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="ProvisioningLogs.json"');
    const body = JSON.parse(text) as { '@odata.context': string; value: ProvisioningObjectSummary[] };
    expect(body['@odata.context']).toBe(`${h.url}/v1.0/$metadata#auditLogs/provisioning`);
    expect(body.value).toEqual(newestFirst.filter((e) => e.jobId === 'zendesk.beta'));
    const empty = await download({ format: 'json', $filter: "cycleId eq 'nope'" });
    expect(JSON.parse(empty.text).value).toEqual([]);
  });

  it('refuses a bad $filter, format or file name (400, naming it), and anonymous callers (401)', async () => {
    const badFilter = await h.call(exportUrl({ $filter: "tenantId eq 'x'" }), { token: reader });
    expect(badFilter.status).toBe(400);
    const filterError = (await badFilter.json()) as {
      error: { message: string; details: { target: string }[] };
    };
    expect(filterError.error.message).toContain("Filtering on 'tenantId' is not supported");
    expect(filterError.error.details[0]?.target).toBe('$filter');

    const badFile = await h.call(exportUrl({ file: 'everything' }), { token: reader });
    expect(badFile.status).toBe(400);
    const fileMessage = ((await badFile.json()) as { error: { message: string } }).error.message;
    expect(fileMessage).toContain('file');

    const badFormat = await h.call(exportUrl({ format: 'xlsx' }), { token: reader });
    expect(badFormat.status).toBe(400);
    expect(((await badFormat.json()) as { error: { message: string } }).error.message).toContain('format');

    // Reader is the lowest role: a caller with none is refused before the route (serve-oidc tests 403).
    const anonymous = await h.call(exportUrl({}), { token: null });
    expect(anonymous.status).toBe(401);
  });

  it(`stops at ${MAX_EXPORT_ENTRIES} entries, the newest, and says so in a header`, async () => {
    const many: ProvisioningObjectSummary[] = [];
    const base = entry(0);
    for (let i = 0; i <= MAX_EXPORT_ENTRIES; i++)
      many.push({
        ...base,
        id: `bulk-${i}`,
        jobId: 'zendesk.bulk',
        changeId: `bulk-${i}`,
        activityDateTime: new Date(Date.UTC(2025, 6, 1) + i * 1000).toISOString(),
        provisioningSteps: [],
        modifiedProperties: [],
      });
    for (let start = 0; start < many.length; start += 5000)
      await h.running.store.appendLogs(many.slice(start, start + 5000));
    const { response, text } = await download({ file: 'summary', $filter: "jobId eq 'zendesk.bulk'" });
    expect(response.headers.get(TRUNCATED_HEADER)).toBe(String(MAX_EXPORT_ENTRIES));
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(MAX_EXPORT_ENTRIES + 1);
    // The oldest one is the one left out.
    expect(lines[1]).toContain(`bulk-${MAX_EXPORT_ENTRIES},`);
    expect(text).not.toContain('bulk-0,');
    // Exactly the limit: not truncated.
    const older = await h.call(
      exportUrl({
        file: 'summary',
        $filter: `jobId eq 'zendesk.bulk' and activityDateTime gt ${many[0]?.activityDateTime}`,
      }),
      { token: reader },
    );
    expect(older.status).toBe(200);
    expect(older.headers.get(TRUNCATED_HEADER)).toBeNull();
    expect((await older.text()).trimEnd().split('\n')).toHaveLength(MAX_EXPORT_ENTRIES + 1);
  }, 120_000);
});
