/**
 * The provisioning logs page's `$filter` (packages/console/src/pages/logs/filter.ts), checked here
 * and against the server's own parser, so that every filter the page can build is one the API takes.
 */
import { describe, expect, it } from 'vitest';
import {
  buildLogFilter,
  localDayRange,
  logActions,
  logStatuses,
  odataString,
} from '../../console/src/pages/logs/filter.js';
import { provisioningLogFilter } from '../../server/src/graph/log-filters.js';
import { compileFilter, parseFilter } from '../../server/src/graph/odata.js';

const accepted = (filter: string | undefined) => {
  expect(filter).toBeDefined();
  return compileFilter(parseFilter(filter as string), provisioningLogFilter);
};

describe('buildLogFilter', () => {
  it('is undefined when nothing is filtered, blank fields included', () => {
    expect(buildLogFilter({})).toBeUndefined();
    expect(
      buildLogFilter({ status: '', action: '', identity: '  ', cycleId: '', jobId: '' }),
    ).toBeUndefined();
  });

  it('filters the job of a job page', () => {
    expect(buildLogFilter({ jobId: 'zendesk.abc.def' })).toBe("jobId eq 'zendesk.abc.def'");
  });

  it('joins every filter with and, in a fixed order', () => {
    const filter = buildLogFilter({
      jobId: 'zendesk.acme',
      from: '2025-06-01T00:00:00.000Z',
      to: '2025-06-03T00:00:00.000Z',
      status: 'failure',
      action: 'stagedDelete',
      identity: 'Adele',
      cycleId: ' 394dc097-98f8-41a1-813e-248ce94f7222 ',
    });
    expect(filter).toBe(
      "jobId eq 'zendesk.acme' and activityDateTime ge 2025-06-01T00:00:00.000Z and " +
        'activityDateTime lt 2025-06-03T00:00:00.000Z and ' +
        "provisioningStatusInfo/status eq 'failure' and provisioningAction eq 'stagedDelete' and " +
        "startswith(sourceIdentity/displayName, 'Adele') and cycleId eq '394dc097-98f8-41a1-813e-248ce94f7222'",
    );
    accepted(filter);
  });

  it('takes an object id for the identity, and a name otherwise (quotes doubled)', () => {
    expect(buildLogFilter({ identity: '8A1B2C3D-0000-4000-8000-00000000abcd' })).toBe(
      "sourceIdentity/id eq '8a1b2c3d-0000-4000-8000-00000000abcd'",
    );
    const filter = buildLogFilter({ identity: "O'Brien" });
    expect(filter).toBe("startswith(sourceIdentity/displayName, 'O''Brien')");
    expect(accepted(filter)).toMatchObject({ kind: 'text', value: "O'Brien" });
    expect(odataString("it's")).toBe("'it''s'");
  });

  it('builds only filters the API accepts, for every status and action', () => {
    for (const status of logStatuses) accepted(buildLogFilter({ status }));
    for (const action of logActions) accepted(buildLogFilter({ action }));
  });
});

describe('localDayRange', () => {
  it('gives the start of the first day and of the day after the last, in local time', () => {
    const range = localDayRange('2025-06-01', '2025-06-02');
    expect(range.from).toBe(new Date(2025, 5, 1).toISOString());
    expect(range.to).toBe(new Date(2025, 5, 3).toISOString());
    accepted(buildLogFilter(range));
  });

  it('leaves out an end that is empty or not a date', () => {
    expect(localDayRange('', 'June')).toEqual({ from: undefined, to: undefined });
    expect(localDayRange('2025-12-31', '').to).toBeUndefined();
    expect(localDayRange('2025-12-31', '2025-12-31').to).toBe(new Date(2026, 0, 1).toISOString());
  });
});
