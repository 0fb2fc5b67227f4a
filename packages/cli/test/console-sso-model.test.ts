/**
 * The Single sign-on page's form (packages/console/src/pages/sso/model.ts): what a Save sends to
 * `PATCH /provisio/v1/jobs/{jobId}/singleSignOn` (only what changed; a blank secret keeps the saved
 * one) and where the API's 400 problems go.
 */
import { describe, expect, it } from 'vitest';
import {
  changesOf,
  formOf,
  placeProblems,
  secretLabel,
  zendeskStatusView,
} from '../../console/src/pages/sso/model.js';

describe('the Single sign-on form', () => {
  const off = { enabled: false };
  const on = { enabled: true };

  it('sends nothing when nothing changed, and starts with an empty secret', () => {
    expect(formOf(on)).toEqual({ enabled: true, sharedSecret: '' });
    expect(changesOf(on, formOf(on))).toBeNull();
    expect(changesOf(off, { enabled: false, sharedSecret: '   ' })).toBeNull();
  });

  it('sends the switch only when it changed, and a typed secret as typed', () => {
    expect(changesOf(off, { enabled: true, sharedSecret: '' })).toEqual({ enabled: true });
    expect(changesOf(on, { enabled: false, sharedSecret: '' })).toEqual({ enabled: false });
    expect(changesOf(on, { enabled: true, sharedSecret: ' s3cret ' })).toEqual({ sharedSecret: ' s3cret ' });
    expect(changesOf(off, { enabled: true, sharedSecret: 'abc' })).toEqual({
      enabled: true,
      sharedSecret: 'abc',
    });
  });

  it('puts each problem on the field it targets, and the others on the page', () => {
    expect(
      placeProblems([
        { code: 'MissingValue', target: 'sharedSecret', message: 'sharedSecret is required' },
        { target: 'enabled', message: 'SsoEnabled must be True or False' },
        { message: 'Something else' },
        { target: 'somewhere', message: 'Elsewhere' },
      ]),
    ).toEqual({
      fields: { sharedSecret: 'sharedSecret is required', enabled: 'SsoEnabled must be True or False' },
      other: ['Something else', 'Elsewhere'],
    });
    expect(placeProblems([])).toEqual({ fields: {}, other: [] });
  });

  it('shows the Zendesk check with the intent its status calls for', () => {
    const intents = Object.fromEntries(Object.entries(zendeskStatusView).map(([k, v]) => [k, v.intent]));
    expect(intents).toEqual({
      pointsHere: 'success',
      rotating: 'warning',
      secretMismatch: 'warning',
      inactive: 'warning',
      pointsElsewhere: 'warning',
      notConfigured: 'warning',
      unavailable: 'error',
    });
    expect([
      secretLabel('current'),
      secretLabel('previous'),
      secretLabel('unknown'),
      secretLabel(null),
    ]).toEqual(['Current', 'Previous', 'Unknown', '—']);
  });
});
