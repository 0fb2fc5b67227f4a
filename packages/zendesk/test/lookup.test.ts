import { describe, expect, it } from 'vitest';
import { planLookup, showManyLimit } from '../src/connector/lookup.js';

describe('planLookup', () => {
  it('batches external ids for Show Many by 100, once each whatever their case', () => {
    const creates = Array.from({ length: 250 }, (_, n) => ({
      external_id: `id-${n}`,
      email: `u${n}@example.com`,
    }));
    const plan = planLookup([...creates, { external_id: 'ID-0', email: 'U0@EXAMPLE.COM' }]);
    expect(plan.externalIdBatches.map((b) => b.length)).toEqual([showManyLimit, showManyLimit, 50]);
    expect(plan.externalIdBatches.flat()).toHaveLength(250);
    expect(plan.emails).toHaveLength(250);
    expect(plan.singleExternalIds).toEqual([]);
  });

  it('keeps a URL short: long external ids make smaller batches', () => {
    const long = Array.from({ length: 30 }, (_, n) => ({ external_id: `${'x'.repeat(400)}-${n}` }));
    const plan = planLookup(long);
    expect(plan.externalIdBatches.length).toBeGreaterThan(1);
    for (const batch of plan.externalIdBatches)
      expect(batch.map((id) => encodeURIComponent(id)).join(',').length).toBeLessThanOrEqual(4000);
    expect(plan.externalIdBatches.flat()).toHaveLength(30);
  });

  it('looks up one by one the external ids a comma list cannot carry; ignores empty values', () => {
    const plan = planLookup([
      { external_id: 'a,b', email: '  ' },
      { external_id: 42, email: null },
      { external_id: '', email: 'Ann@Example.com ' },
      {},
    ]);
    expect(plan).toEqual({
      externalIdBatches: [['42']],
      singleExternalIds: ['a,b'],
      emails: ['Ann@Example.com'],
    });
  });
});
