/**
 * Ownership (docs/provisioning.md, "Ownership"): every link says whether provisio created the
 * target object or adopted one that existed. This module holds the pieces the cycle and
 * provisioning on demand share: which target objects an operator unlinked, and how a create the
 * target itself turned into an update of an existing user (Zendesk's create-or-update found the
 * e-mail: https://developer.zendesk.com/api-reference/ticketing/users/users/#create-or-update-many-users)
 * is reported as the match it was. Pure.
 */
import type { ModifiedProperty } from '../log/types.js';
import type { GroupLinkRecord, LinkRecord } from '../ports/state.js';
import type { TargetActionResult, TargetConnector, TargetUser } from '../ports/target.js';
import type { PlannedUser } from './plan.js';

/** The target ids of the links an operator unlinked: never matched again. */
export function unlinkedTargetIds(links: Iterable<LinkRecord | GroupLinkRecord>): Set<string> {
  const ids = new Set<string>();
  for (const link of links) if (link.state === 'unlinked') ids.add(link.targetId);
  return ids;
}

function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The planned user as what happened when the target matched a user for a `create`: a match by the
 * matching attribute whose value the target found, an update (only the attributes that changed,
 * with their values before the write when provisio knew them: `before`, the target user as the
 * mirror held it), and a description saying so. Unchanged for any other result.
 */
export function asTargetMatch(
  planned: PlannedUser,
  result: TargetActionResult,
  before: TargetUser | undefined,
  target: Pick<TargetConnector, 'matchKey' | 'same' | 'system'>,
): PlannedUser {
  if (!result.ok || result.matched !== true || planned.action?.kind !== 'create') return planned;
  const desired = planned.action.attributes;
  const after = result.user;
  // The attribute the earlier user shared; unknown earlier values: the e-mail (a user already
  // carrying the external id provisio sends would be one provisio itself created).
  const keys = planned.mapped?.matchingKeys ?? [];
  const shared = (key: (typeof keys)[number], user: TargetUser) =>
    target.matchKey(key.target, key.value) !== null &&
    target.matchKey(key.target, key.value) === target.matchKey(key.target, user.attributes[key.target]);
  const attribute =
    (before !== undefined
      ? keys.find((key) => shared(key, before))?.target
      : keys.find((key) => key.target === 'email')?.target) ??
    keys.find((key) => shared(key, after))?.target ??
    'email';
  const redacted = new Set(planned.mapped?.redacted ?? []);
  const changed: ModifiedProperty[] = [];
  for (const [name, value] of Object.entries(desired)) {
    if (before !== undefined && target.same(name, value, before.attributes[name])) continue;
    changed.push({
      displayName: name,
      oldValue:
        before === undefined ? null : redacted.has(name) ? '[Redact]' : textOf(before.attributes[name]),
      newValue: redacted.has(name) ? '[Redact]' : textOf(value),
    });
  }
  const system = target.system.displayName;
  const words = changed
    .filter((p) => p.oldValue !== null || before !== undefined)
    .map((p) => `${p.displayName} ${p.oldValue ?? '(none)'} → ${p.newValue ?? '(none)'}`);
  const updated =
    before === undefined
      ? `updated ${changed.map((p) => p.displayName).join(', ')} (its earlier values were not known to provisio: the user was created in ${system} after provisio last read it)`
      : words.length > 0
        ? `updated ${words.join(', ')}`
        : 'nothing needed updating';
  const changes: Record<string, unknown> = {};
  for (const p of changed) changes[p.displayName] = desired[p.displayName];
  return {
    ...planned,
    match: { kind: 'matched', target: before ?? after, attribute, tried: planned.match?.tried ?? [] },
    target: before ?? null,
    action: { kind: 'update', key: planned.action.key, targetId: after.id, changes },
    provisioningAction: 'update',
    matchedByTarget: true,
    modifiedProperties: changed,
    description: `Matched an existing ${system} user by ${attribute} (${system} found it when asked to create ${planned.displayName}); ${updated}.`,
  };
}
