/**
 * The console's Audit logs filters as `$filter` text (packages/console/src/pages/audit/filter.ts),
 * and that the server accepts every form it writes.
 */
import { describe, expect, it } from 'vitest';
import { auditFilter, endOfDay, odataString, startOfDay } from '../../console/src/pages/audit/filter.js';
import { directoryAuditFilter } from '../../server/src/graph/log-filters.js';
import { compileFilter, parseFilter } from '../../server/src/graph/odata.js';

describe('auditFilter', () => {
  it('filters nothing when nothing is given', () => {
    expect(auditFilter({})).toBeUndefined();
    expect(auditFilter({ activity: '  ', status: '', initiatedBy: '', from: '', to: '' })).toBeUndefined();
  });

  it('writes each filter and joins them with and', () => {
    expect(
      auditFilter({
        jobId: 'zendesk.abc.def',
        from: '2026-03-01T00:00:00.000Z',
        to: '2026-03-02T23:59:59.999Z',
        activity: 'Update',
        status: 'failure',
        initiatedBy: 'local:admin',
      }),
    ).toBe(
      "targetResources/any(t: t/id eq 'zendesk.abc.def') and activityDateTime ge 2026-03-01T00:00:00.000Z and activityDateTime le 2026-03-02T23:59:59.999Z and startswith(activityDisplayName, 'Update') and result eq 'failure' and (startswith(initiatedBy/user/displayName, 'local:admin') or initiatedBy/app/displayName eq 'local:admin')",
    );
    expect(auditFilter({ status: 'success' })).toBe("result eq 'success'");
    expect(auditFilter({ status: 'anything' })).toBeUndefined();
  });

  it('writes only what the server accepts for directoryAudits', () => {
    const text = auditFilter({
      jobId: "zendesk.a'b",
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
      activity: 'Update',
      status: 'success',
      initiatedBy: 'provisio',
    });
    expect(() => compileFilter(parseFilter(text ?? ''), directoryAuditFilter)).not.toThrow();
  });

  it("doubles single quotes in strings (O'Brien)", () => {
    expect(odataString("O'Brien")).toBe("'O''Brien'");
    expect(auditFilter({ activity: "it's" })).toBe("startswith(activityDisplayName, 'it''s')");
  });

  it('turns local calendar days into the instants that bound them', () => {
    const start = startOfDay('2026-03-01');
    const end = endOfDay('2026-03-01');
    expect(start).toBe(new Date(2026, 2, 1).toISOString());
    expect(end).toBe(new Date(2026, 2, 1, 23, 59, 59, 999).toISOString());
    expect(startOfDay('')).toBeUndefined();
    expect(endOfDay('01/03/2026')).toBeUndefined();
  });
});
