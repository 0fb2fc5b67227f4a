/** Small in-memory stand-ins for the target port's pure parts, for stage tests. */
import type { PreparedAttributes, TargetConnector, TargetUser } from '../../src/ports/target.js';

export const fakeTarget: Pick<TargetConnector, 'prepare' | 'same' | 'matchKey'> & {
  matchableAttributes: string[];
} = {
  matchableAttributes: ['external_id', 'email', 'phone'],
  matchKey: (_attribute, value) =>
    typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : null,
  prepare(mapped): PreparedAttributes {
    const attributes: Record<string, unknown> = { ...mapped };
    const problems: { attribute: string; message: string; code: string }[] = [];
    const roleValue = Array.isArray(mapped['role']) ? mapped['role'][0] : mapped['role'];
    if (roleValue === undefined) delete attributes['role'];
    else if (typeof roleValue === 'string') {
      const role = roleValue.toLowerCase();
      if (role === 'agent' || role === 'admin' || role === 'end-user') attributes['role'] = role;
      else problems.push({ attribute: 'role', code: 'UnknownRole', message: `no role "${roleValue}"` });
    }
    return { attributes, problems };
  },
  same(attribute, desired, current) {
    const norm = (v: unknown) => (v === undefined || v === '' ? null : v);
    if (attribute === 'email' || attribute === 'external_id')
      return String(norm(desired) ?? '').toLowerCase() === String(norm(current) ?? '').toLowerCase();
    return JSON.stringify(norm(desired)) === JSON.stringify(norm(current));
  },
};

export function targetUser(
  id: string,
  attributes: Record<string, unknown>,
  extra: Partial<TargetUser> = {},
): TargetUser {
  return {
    id,
    attributes,
    active: true,
    disabled: false,
    displayName: String(attributes['name'] ?? id),
    ...extra,
  };
}
