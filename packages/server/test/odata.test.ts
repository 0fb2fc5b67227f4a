/**
 * The OData `$filter` parser and its check against the log lists' supported properties: every
 * supported form, and the errors a caller sees (naming the position, property or operator, and
 * what is supported).
 */
import { describe, expect, it } from 'vitest';
import { directoryAuditFilter, provisioningLogFilter } from '../src/graph/log-filters.js';
import {
  compileFilter,
  describeSupported,
  FilterError,
  parseFilter,
  toIsoDateTime,
} from '../src/graph/odata.js';

const log = (text: string) => compileFilter(parseFilter(text), provisioningLogFilter);
const audit = (text: string) => compileFilter(parseFilter(text), directoryAuditFilter);
const errorOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FilterError);
    return (error as Error).message;
  }
  throw new Error('expected a FilterError');
};

describe('parseFilter', () => {
  it('parses comparisons with every literal form', () => {
    expect(parseFilter("jobId eq 'zendesk.abc'")).toEqual({
      type: 'compare',
      op: 'eq',
      property: 'jobId',
      value: { type: 'string', value: 'zendesk.abc' },
    });
    expect(parseFilter("displayName eq 'O''Brien'")).toMatchObject({
      value: { type: 'string', value: "O'Brien" },
    });
    expect(parseFilter('activityDateTime ge 2025-01-31T08:00:00Z')).toMatchObject({
      op: 'ge',
      value: { type: 'dateTime', value: '2025-01-31T08:00:00Z' },
    });
    expect(parseFilter('activityDateTime le 2018-01-24')).toMatchObject({
      value: { type: 'dateTime', value: '2018-01-24' },
    });
    expect(parseFilter('activityDateTime lt 2025-01-31T08:00:00.1234567+02:00')).toMatchObject({
      value: { type: 'dateTime', value: '2025-01-31T08:00:00.1234567+02:00' },
    });
    expect(parseFilter('id eq 8a1b2c3d-0000-4000-8000-00000000abcd')).toMatchObject({
      value: { type: 'guid', value: '8a1b2c3d-0000-4000-8000-00000000abcd' },
    });
    expect(parseFilter('durationInMilliseconds gt 100')).toMatchObject({
      value: { type: 'number', value: '100' },
    });
    expect(parseFilter('x eq true')).toMatchObject({ value: { type: 'boolean', value: true } });
    expect(parseFilter('x ne null')).toMatchObject({ op: 'ne', value: { type: 'null' } });
    for (const op of ['eq', 'ne', 'gt', 'ge', 'lt', 'le'])
      expect(parseFilter(`a/b/c ${op} 'v'`)).toMatchObject({ type: 'compare', op, property: 'a/b/c' });
  });

  it('gives and precedence over or, honours parentheses and not', () => {
    expect(parseFilter("a eq '1' or b eq '2' and c eq '3'")).toEqual({
      type: 'or',
      left: { type: 'compare', op: 'eq', property: 'a', value: { type: 'string', value: '1' } },
      right: {
        type: 'and',
        left: { type: 'compare', op: 'eq', property: 'b', value: { type: 'string', value: '2' } },
        right: { type: 'compare', op: 'eq', property: 'c', value: { type: 'string', value: '3' } },
      },
    });
    expect(parseFilter("(a eq '1' or b eq '2') and c eq '3'")).toMatchObject({
      type: 'and',
      left: { type: 'or' },
      right: { type: 'compare', property: 'c' },
    });
    expect(parseFilter("not (a eq '1')")).toMatchObject({ type: 'not', operand: { type: 'compare' } });
    expect(parseFilter("a eq '1' and b eq '2' and c eq '3'")).toMatchObject({
      type: 'and',
      left: { type: 'and' },
    });
  });

  it('parses function calls, with or without "eq true"', () => {
    const call = { type: 'call', name: 'startswith', property: 'sourceIdentity/displayName' };
    expect(parseFilter("startswith(sourceIdentity/displayName, 'Ad')")).toMatchObject(call);
    expect(parseFilter("startswith(sourceIdentity/displayName,'Ad') eq true")).toMatchObject(call);
    expect(parseFilter("startswith(sourceIdentity/displayName,'Ad') eq false")).toMatchObject({
      type: 'not',
      operand: call,
    });
    expect(parseFilter("contains(jobId, 'zen')")).toMatchObject({ type: 'call', name: 'contains' });
  });

  it('parses any() over a collection, with paths relative to the element', () => {
    expect(parseFilter("targetResources/any(t: t/id eq 'job-1')")).toEqual({
      type: 'any',
      collection: 'targetResources',
      predicate: { type: 'compare', op: 'eq', property: 'id', value: { type: 'string', value: 'job-1' } },
    });
    expect(parseFilter("targetResources/any(x:startswith(x/displayName, 'zen'))")).toMatchObject({
      type: 'any',
      predicate: { type: 'call', name: 'startswith', property: 'displayName' },
    });
  });

  it('refuses malformed filters, naming the position', () => {
    expect(errorOf(() => parseFilter("jobId eq 'abc"))).toMatch(
      /unterminated string starting at position 10/,
    );
    expect(errorOf(() => parseFilter('jobId eq'))).toMatch(/expected a value .* found the end of the filter/);
    expect(errorOf(() => parseFilter("jobId equals 'a'"))).toMatch(
      /comparison operator .* position 7, found 'equals'/,
    );
    expect(errorOf(() => parseFilter("(jobId eq 'a'"))).toMatch(/expected '\)'/);
    expect(errorOf(() => parseFilter("jobId eq 'a' xor b eq 'c'"))).toMatch(
      /expected 'and', 'or' or the end/,
    );
    expect(errorOf(() => parseFilter("jobId eq 'a' # b"))).toMatch(/unexpected character '#' at position 14/);
    expect(errorOf(() => parseFilter("tolower(jobId) eq 'a'"))).toMatch(
      /calls 'tolower', which is not supported/,
    );
    expect(errorOf(() => parseFilter("targetResources/all(t: t/id eq 'a')"))).toMatch(/only any/);
    expect(errorOf(() => parseFilter("targetResources/any(t: id eq 'a')"))).toMatch(
      /write it as 't\/<property>'/,
    );
    expect(errorOf(() => parseFilter('   '))).toMatch(/empty/);
    expect(errorOf(() => parseFilter(`${'('.repeat(40)}a eq 'b'${')'.repeat(40)}`))).toMatch(
      /nested more than/,
    );
    expect(errorOf(() => parseFilter(`a eq '${'x'.repeat(5000)}'`))).toMatch(/longer than 4096/);
  });
});

describe('the provisioning log filter', () => {
  it('compiles every supported property', () => {
    expect(log("jobId eq 'zendesk.a'")).toEqual({
      kind: 'compare',
      field: 'jobId',
      op: 'eq',
      value: 'zendesk.a',
    });
    expect(log("contains(jobId, 'zen')")).toEqual({
      kind: 'text',
      field: 'jobId',
      op: 'contains',
      value: 'zen',
    });
    expect(log("cycleId eq 'c'")).toMatchObject({ field: 'cycleId' });
    expect(log("changeId eq 'c'")).toMatchObject({ field: 'changeId' });
    expect(log("id eq 'e1'")).toMatchObject({ field: 'id' });
    expect(log("provisioningAction eq 'StagedDelete'")).toEqual({
      kind: 'compare',
      field: 'provisioningAction',
      op: 'eq',
      value: 'stagedDelete',
    });
    expect(log("provisioningStatusInfo/status eq 'failure'")).toMatchObject({
      field: 'status',
      value: 'failure',
    });
    expect(log("provisioningStatusInfo/errorInformation/errorCode eq 'TooManyRequests'")).toMatchObject({
      field: 'errorCode',
    });
    expect(log("sourceIdentity/id eq 'u1'")).toMatchObject({ field: 'sourceId' });
    expect(log("targetIdentity/id eq '42'")).toMatchObject({ field: 'targetId' });
    expect(log("sourceIdentity/displayName eq 'Adele Vance'")).toMatchObject({ field: 'sourceDisplayName' });
    expect(log("startswith(sourceIdentity/displayName, 'Ad')")).toMatchObject({
      kind: 'text',
      op: 'startswith',
    });
    expect(log('servicePrincipal/id eq 8a1b2c3d-0000-4000-8000-00000000abcd')).toMatchObject({
      field: 'servicePrincipalId',
      value: '8a1b2c3d-0000-4000-8000-00000000abcd',
    });
  });

  it('normalises activityDateTime ranges to UTC', () => {
    expect(log('activityDateTime ge 2025-01-31 and activityDateTime lt 2025-02-01T10:00:00+02:00')).toEqual({
      kind: 'and',
      operands: [
        { kind: 'compare', field: 'activityDateTime', op: 'ge', value: '2025-01-31T00:00:00.000Z' },
        { kind: 'compare', field: 'activityDateTime', op: 'lt', value: '2025-02-01T08:00:00.000Z' },
      ],
    });
    expect(log("activityDateTime gt '2025-01-31T08:00:00Z'")).toMatchObject({
      value: '2025-01-31T08:00:00.000Z',
    });
    expect(log('activityDateTime le 2025-01-31T08:00')).toMatchObject({ value: '2025-01-31T08:00:00.000Z' });
  });

  it('compiles and, or, not and parentheses', () => {
    expect(
      log("jobId eq 'a' and (provisioningStatusInfo/status eq 'failure' or provisioningAction eq 'delete')"),
    ).toEqual({
      kind: 'and',
      operands: [
        { kind: 'compare', field: 'jobId', op: 'eq', value: 'a' },
        {
          kind: 'or',
          operands: [
            { kind: 'compare', field: 'status', op: 'eq', value: 'failure' },
            { kind: 'compare', field: 'provisioningAction', op: 'eq', value: 'delete' },
          ],
        },
      ],
    });
    expect(log("not (jobId eq 'a')")).toEqual({
      kind: 'not',
      operand: { kind: 'compare', field: 'jobId', op: 'eq', value: 'a' },
    });
  });

  it('refuses unsupported properties, operators and values, listing what is supported', () => {
    const unsupported = errorOf(() => log("tenantId eq 't'"));
    expect(unsupported).toMatch(/^Filtering on 'tenantId' is not supported\. Supported: /);
    expect(unsupported).toContain('jobId (eq, contains, startswith)');
    expect(unsupported).toContain('activityDateTime (eq, gt, ge, lt, le)');
    expect(unsupported).toContain('sourceIdentity/displayName (eq, startswith, contains)');
    expect(errorOf(() => log("jobId gt 'a'"))).toMatch(
      /operator 'gt' is not supported on 'jobId': use eq or contains or startswith/,
    );
    expect(errorOf(() => log("jobId ne 'a'"))).toMatch(/operator 'ne'/);
    expect(errorOf(() => log("endswith(jobId, 'a')"))).toMatch(/operator 'endswith'/);
    expect(errorOf(() => log("provisioningAction eq 'explode'"))).toMatch(
      /one of 'create', 'update', 'delete', 'stagedDelete'/,
    );
    expect(errorOf(() => log("activityDateTime ge 'yesterday'"))).toMatch(/date-time such as/);
    expect(errorOf(() => log('activityDateTime ge 2025-02-30'))).toMatch(/date-time such as/);
    expect(errorOf(() => log('jobId eq 5'))).toMatch(/'jobId' compares with a 'quoted string'/);
    expect(errorOf(() => log("targetResources/any(t: t/id eq 'a')"))).toMatch(
      /any\(…\) over 'targetResources' is not supported/,
    );
  });
});

describe('the directory audit filter', () => {
  it('compiles the properties Graph supports on directoryAudit', () => {
    expect(audit('activityDateTime ge 2025-01-01 and activityDateTime le 2025-01-31')).toMatchObject({
      kind: 'and',
      operands: [
        { field: 'activityDateTime', op: 'ge' },
        { field: 'activityDateTime', op: 'le' },
      ],
    });
    expect(audit("startswith(activityDisplayName, 'Update')")).toEqual({
      kind: 'text',
      field: 'activity',
      op: 'startswith',
      value: 'Update',
    });
    expect(audit("category eq 'ProvisioningManagement'")).toEqual({ kind: 'constant', value: true });
    expect(audit("category eq 'UserManagement'")).toEqual({ kind: 'constant', value: false });
    expect(audit("loggedByService eq 'Account Provisioning'")).toEqual({ kind: 'constant', value: true });
    expect(audit("targetResources/any(t: t/id eq 'zendesk.a')")).toEqual({
      kind: 'compare',
      field: 'jobId',
      op: 'eq',
      value: 'zendesk.a',
    });
    expect(audit("targetResources/any(x: startswith(x/displayName, 'zen'))")).toMatchObject({
      kind: 'text',
      field: 'jobId',
    });
    expect(audit("initiatedBy/user/displayName eq 'alice'")).toEqual({
      kind: 'and',
      operands: [
        { kind: 'not', operand: { kind: 'compare', field: 'initiatedBy', op: 'eq', value: 'provisio' } },
        { kind: 'compare', field: 'initiatedBy', op: 'eq', value: 'alice' },
      ],
    });
    expect(audit("initiatedBy/app/displayName eq 'provisio'")).toMatchObject({ kind: 'and' });
    expect(audit("result eq 'Failure'")).toMatchObject({ field: 'result', value: 'failure' });
  });

  it('refuses what Graph does not support there', () => {
    expect(errorOf(() => audit("contains(activityDisplayName, 'x')"))).toMatch(/use eq or startswith/);
    expect(errorOf(() => audit("targetResources/any(t: t/type eq 'User')"))).toMatch(
      /Filtering on 'targetResources\/any\(x: x\/type\)' is not supported/,
    );
    expect(describeSupported(directoryAuditFilter)).toContain('targetResources/any(x: x/id) (eq)');
  });
});

describe('toIsoDateTime', () => {
  it('reads dates and date-times, UTC unless an offset is given', () => {
    expect(toIsoDateTime('2025-03-01')).toBe('2025-03-01T00:00:00.000Z');
    expect(toIsoDateTime('2025-03-01T10:11:12.3456789Z')).toBe('2025-03-01T10:11:12.345Z');
    expect(toIsoDateTime('2025-03-01T10:11:12-05:00')).toBe('2025-03-01T15:11:12.000Z');
    expect(toIsoDateTime('2025-13-01')).toBeNull();
    expect(toIsoDateTime('March 1')).toBeNull();
  });
});
