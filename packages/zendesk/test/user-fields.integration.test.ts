/** `describeUserFields`: the account's custom user fields, read over cursor pages (GET /api/v2/user_fields). */
import { ConnectorFailure } from '@provisio/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, requestCounts, startEmulator, targetFor } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startEmulator({
    seed: {
      // 150 fields: two pages of 100, the second one partly filled.
      userFields: [
        { key: 'employee_number', type: 'integer', title: 'Employee number' },
        { key: 'vip', type: 'checkbox', title: 'VIP', active: false },
        ...Array.from({ length: 148 }, (_, i) => ({ key: `field_${i}`, type: 'text' as const })),
      ],
    },
  });
});
afterAll(() => h.close());

describe('describeUserFields', () => {
  it("lists every custom user field with its key, title, type and whether it is active, in the account's order", async () => {
    await h.admin.control('DELETE', 'requests');
    const { target } = targetFor(h);
    const fields = await target.describeUserFields();
    expect(fields).toHaveLength(150);
    expect(fields.slice(0, 2)).toEqual([
      { key: 'employee_number', title: 'Employee number', type: 'integer', active: true },
      { key: 'vip', title: 'VIP', type: 'checkbox', active: false },
    ]);
    expect(fields[2]).toMatchObject({ key: 'field_0', type: 'text' });
    expect((await requestCounts(h)).by['GET /api/v2/user_fields']).toBe(2);
  });

  it('fails with a ConnectorFailure and a stable code when the credentials are refused', async () => {
    const { target } = targetFor(h, { secretToken: 'not-the-token' });
    const failure = await target.describeUserFields().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorFailure);
    expect((failure as ConnectorFailure).detail).toMatchObject({
      code: 'InvalidCredentials',
      httpStatus: 401,
    });
    expect(JSON.stringify((failure as ConnectorFailure).detail)).not.toContain('not-the-token');
  });
});
