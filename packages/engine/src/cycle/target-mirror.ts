/**
 * The target mirror in the state store (the connector data store's "target index"): the target's
 * users, groups and memberships as last read or written. A cycle reads it from the store and writes
 * back what changed, so that a cycle in a new process or on another worker matches and diffs exactly
 * as one in the process that ran the previous cycle, without re-reading the target.
 */

import type { MembershipIndex } from '../pipeline/membership-plan.js';
import { TargetIndex } from '../pipeline/target-index.js';
import type { JobRecord, StateStore } from '../ports/state.js';
import type { TargetGroup, TargetMembership, TargetUser } from '../ports/target.js';

export async function loadUserIndex(
  store: StateStore,
  jobId: string,
  attributes: readonly string[],
  key: (attribute: string, value: unknown) => string | null,
): Promise<TargetIndex> {
  const index = new TargetIndex(attributes, key);
  index.put((await store.listTargetObjects(jobId, 'user')).map((record) => record.data as TargetUser));
  return index;
}

/**
 * An index holding only the mirrored users with these ids (a cycle's links' targets, the users the
 * target's change export returned): what a cycle that does not keep the mirror in memory reads
 * (docs/performance.md#what-a-cycle-reads). `index` may already hold some.
 */
export async function loadUsersInto(
  store: StateStore,
  jobId: string,
  index: TargetIndex,
  ids: Iterable<string>,
): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => index.get(id) === undefined);
  if (missing.length === 0) return;
  index.put(
    (await store.getTargetObjects(jobId, 'user', missing)).map((record) => record.data as TargetUser),
  );
}

/**
 * The mirrored users that hold any of these match keys (`TargetIndex.storedKey`), checked against
 * the users as stored (a key saved by an older write that no longer holds is ignored).
 */
export async function findUsersByKey(
  store: StateStore,
  jobId: string,
  index: TargetIndex,
  keys: readonly string[],
): Promise<TargetUser[]> {
  if (keys.length === 0) return [];
  const wanted = new Set(keys);
  return (await store.findTargetObjectsByKey(jobId, 'user', keys))
    .map((record) => record.data as TargetUser)
    .filter((user) => index.keysOf(user).some((key) => wanted.has(key)));
}

/** Replaces the whole user mirror (after a full read of the target). */
export async function replaceUsers(
  store: StateStore,
  jobId: string,
  users: readonly TargetUser[],
  keying: Pick<TargetIndex, 'keysOf'>,
): Promise<void> {
  await store.clearTargetObjects(jobId, 'user');
  await saveUsers(store, jobId, users, keying);
}

/**
 * Saves users as the target reported them, with their match keys; a deleted one (`active: false`)
 * leaves the mirror.
 */
export async function saveUsers(
  store: StateStore,
  jobId: string,
  users: readonly TargetUser[],
  keying: Pick<TargetIndex, 'keysOf'>,
): Promise<void> {
  await store.saveTargetObjects(
    jobId,
    'user',
    users
      .filter((user) => user.active)
      .map((user) => ({ id: user.id, data: user, keys: keying.keysOf(user) })),
    users.filter((user) => !user.active).map((user) => user.id),
  );
}

export async function loadGroups(store: StateStore, jobId: string): Promise<TargetGroup[]> {
  return (await store.listTargetObjects(jobId, 'group')).map((record) => record.data as TargetGroup);
}

export async function replaceGroups(
  store: StateStore,
  jobId: string,
  groups: readonly TargetGroup[],
): Promise<void> {
  await store.clearTargetObjects(jobId, 'group');
  await store.saveTargetObjects(
    jobId,
    'group',
    groups.map((group) => ({ id: group.id, data: group })),
  );
}

export async function loadMemberships(store: StateStore, jobId: string): Promise<MembershipIndex> {
  const index: MembershipIndex = new Map();
  for (const record of await store.listTargetObjects(jobId, 'membership'))
    addMembership(index, record.data as TargetMembership);
  return index;
}

const membershipId = (groupId: string, userId: string) => `${groupId}/${userId}`;

export async function saveMemberships(
  store: StateStore,
  jobId: string,
  added: readonly TargetMembership[],
  removed: readonly { readonly groupId: string; readonly userId: string }[],
): Promise<void> {
  await store.saveTargetObjects(
    jobId,
    'membership',
    added.map((m) => ({ id: membershipId(m.groupId, m.userId), data: m })),
    removed.map((m) => membershipId(m.groupId, m.userId)),
  );
}

export function addMembership(index: MembershipIndex, membership: TargetMembership): void {
  const members = index.get(membership.groupId);
  if (members) members.set(membership.userId, membership.id);
  else index.set(membership.groupId, new Map([[membership.userId, membership.id]]));
}

/**
 * The target mirror kept in a process's memory between the cycles of one job loop: an optimisation
 * only. It is used while the job's `mirrorVersion` is still the one this process wrote; any other
 * writer (another worker, provisioning on demand, restart) changes the version, and the next cycle
 * reads the mirror from the store. A cycle that fails leaves the cache unusable.
 */
export interface MirrorCache {
  version: string | null;
  users: TargetIndex | null;
  groups: readonly TargetGroup[] | null;
  memberships: MembershipIndex | null;
}

export function newMirrorCache(): MirrorCache {
  return { version: null, users: null, groups: null, memberships: null };
}

/** The cache when it holds exactly what the store holds for `job`, else null. */
export function usableCache(cache: MirrorCache | undefined, job: JobRecord): MirrorCache | null {
  return cache !== undefined && cache.version !== null && cache.version === job.mirrorVersion ? cache : null;
}
