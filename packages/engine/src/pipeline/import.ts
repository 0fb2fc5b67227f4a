/**
 * Stage "import": merges what the source reported (a full read or the changes since the watermark)
 * and the application's assignments into the source mirror, and decides which users this cycle
 * evaluates and why (Entra's import step: Add, Update, Delete, or None for a user evaluated again
 * without a change of its own). Pure: the caller reads the store and saves the result.
 */
import type {
  AssignmentChanges,
  MemberRef,
  ReadAssignmentsResult,
  SourceAssignment,
  SourceGroupChange,
  SourceUserChange,
} from '../ports/source.js';
import type { EscrowRecord, LinkRecord, SourceGroupRecord, SourceUserRecord } from '../ports/state.js';
import { escrowIsDue } from '../safety/escrow.js';
import type { PlanInput } from './plan.js';

export interface UserImportInput {
  readonly jobId: string;
  /** A full read (initial cycle, or an expired watermark): users missing from it are gone. */
  readonly full: boolean;
  readonly changes: readonly SourceUserChange[];
  /**
   * The assignments read this cycle: complete (a sweep: a user missing has none), or only the
   * users in `byUser` (the others keep the assignments their mirror record holds).
   */
  readonly assignments: Pick<AssignmentChanges, 'byUser' | 'complete'>;
  /**
   * The source mirror: all of it on a full read or a sweep; otherwise at least the records of the
   * users changed, read for assignments, staged or with a due escrow.
   */
  readonly mirror: ReadonlyMap<string, SourceUserRecord>;
  /** Every link on a full read (users missing from it are gone); unused otherwise. */
  readonly links: ReadonlyMap<string, LinkRecord>;
  /** The users' escrows (failed users waiting for their next attempt). */
  readonly escrows: ReadonlyMap<string, EscrowRecord>;
  readonly now: Date;
}

export interface UserImport {
  /** Mirror records that changed in this cycle (to save once the cycle is done). */
  readonly changed: Map<string, SourceUserRecord>;
  /** The users to evaluate, with why; a full read evaluates every user it knows. */
  readonly evaluate: Map<string, PlanInput['change']>;
}

/** The signature of a user's assignments: role and group of each, sorted. */
export function assignmentSignature(assignments: readonly SourceAssignment[] | undefined): string {
  if (!assignments || assignments.length === 0) return '';
  return assignments
    .map((a) => `${a.appRoleId}|${a.viaGroupId ?? ''}`)
    .sort()
    .join(',');
}

function sameAssignments(a: readonly SourceAssignment[], b: readonly SourceAssignment[]): boolean {
  if (a.length !== b.length) return false;
  const key = (x: SourceAssignment) =>
    JSON.stringify([x.id, x.appRoleId, x.roleDisplayName, x.roleValue, x.viaGroupId, x.viaGroupName]);
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((k, i) => k === right[i]);
}

export function groupAssignmentsByUser(
  assignments: readonly SourceAssignment[],
): Map<string, SourceAssignment[]> {
  const byUser = new Map<string, SourceAssignment[]>();
  for (const assignment of assignments) {
    const list = byUser.get(assignment.userId);
    if (list) list.push(assignment);
    else byUser.set(assignment.userId, [assignment]);
  }
  return byUser;
}

/**
 * A full read of the assignments as `AssignmentChanges` (a sweep): every assigned user, complete.
 * For sources that cannot tell what changed, and for tests.
 */
export function sweepOf(read: ReadAssignmentsResult, watermark = 'sweep'): AssignmentChanges {
  return {
    roles: read.roles,
    complete: true,
    byUser: groupAssignmentsByUser(read.assignments),
    groups: read.groups ?? [],
    watermark,
  };
}

export function importUsers(input: UserImportInput): UserImport {
  const { jobId, full, mirror, links } = input;
  const now = input.now.toISOString();
  const changed = new Map<string, SourceUserRecord>();
  const evaluate = new Map<string, PlanInput['change']>();
  const seen = new Set<string>();
  const blank = (id: string): SourceUserRecord => ({
    jobId,
    sourceId: id,
    attributes: {},
    removed: null,
    assignmentSignature: '',
    assignments: [],
    staged: false,
    updatedAt: now,
  });

  for (const change of input.changes) {
    const id = change.kind === 'upsert' ? change.user.id : change.id;
    seen.add(id);
    const previous = changed.get(id) ?? mirror.get(id);
    if (change.kind === 'removed') {
      changed.set(id, { ...(previous ?? blank(id)), removed: change.removed, updatedAt: now });
      evaluate.set(id, 'Delete');
      continue;
    }
    // A full read's attributes are the user's whole record, used as read (not copied: a tenant of a
    // million users is held once); an incremental read's are merged into what the mirror knew.
    const attributes = full
      ? change.user.attributes
      : { ...(previous?.attributes ?? {}), ...change.user.attributes };
    changed.set(id, { ...(previous ?? blank(id)), attributes, removed: null, updatedAt: now });
    evaluate.set(id, previous === undefined || previous.removed !== null ? 'Add' : 'Update');
  }

  if (full) {
    // A full read lists only live users: a user missing from it is gone (in deleted items or purged;
    // Graph cannot tell which without another request): deprovision as for a soft delete.
    for (const [id, record] of mirror)
      if (!seen.has(id) && record.removed === null) {
        changed.set(id, { ...record, removed: 'soft', updatedAt: now });
        evaluate.set(id, 'Delete');
      }
    for (const [id, link] of links)
      if (!seen.has(id) && !changed.has(id) && (link.state === 'active' || link.state === 'disabled')) {
        changed.set(id, { ...(mirror.get(id) ?? blank(id)), removed: 'soft', updatedAt: now });
        evaluate.set(id, 'Delete');
      }
  }

  // Assignment changes do not show in the users' change feed: compare with what the mirror remembers
  // (every user after a sweep, else those whose assignments were read).
  const { byUser, complete } = input.assignments;
  for (const id of complete ? new Set([...mirror.keys(), ...byUser.keys()]) : byUser.keys()) {
    const record = changed.get(id) ?? mirror.get(id);
    if (!record) continue;
    const fresh = byUser.get(id) ?? [];
    const signature = assignmentSignature(fresh);
    if (record.assignmentSignature !== signature) {
      changed.set(id, { ...record, assignmentSignature: signature, assignments: fresh, updatedAt: now });
      if (!evaluate.has(id)) evaluate.set(id, 'Update');
    } else if (!sameAssignments(record.assignments, fresh))
      // Same roles and groups under other names (a role or group renamed), or records saved before
      // assignments were kept: remembered, nothing to evaluate.
      changed.set(id, { ...record, assignments: fresh, updatedAt: now });
  }
  // Staged deprovisioning is evaluated again in every cycle until it is allowed or undone.
  for (const [id, record] of mirror) if (record.staged && !evaluate.has(id)) evaluate.set(id, 'None');

  // Failed users come back when their escrow is due (a change in the source brings them back sooner).
  for (const [id, escrow] of input.escrows)
    if (escrowIsDue(escrow, input.now) && !evaluate.has(id)) evaluate.set(id, 'None');

  return { changed, evaluate };
}

/**
 * Merges one change of the groups' change feed into the group mirror. On a full read each group
 * comes with all its direct members; on an incremental read with the members added and removed.
 */
export function importGroupChange(
  mirror: Map<string, SourceGroupRecord>,
  change: SourceGroupChange,
  full: boolean,
  jobId: string,
  now: string,
): void {
  if (change.kind === 'removed') {
    const previous = mirror.get(change.id);
    mirror.set(change.id, {
      jobId,
      sourceId: change.id,
      attributes: previous?.attributes ?? {},
      members: previous?.members ?? [],
      removed: change.removed,
      updatedAt: now,
    });
    return;
  }
  const previous = mirror.get(change.group.id);
  let members: MemberRef[] = [...(previous?.members ?? [])];
  if (change.members) {
    if (change.members.full || full) members = [...change.members.added];
    else {
      const removed = new Set(change.members.removed.map((m) => m.id));
      members = members.filter((m) => !removed.has(m.id));
      for (const added of change.members.added)
        if (!members.some((m) => m.id === added.id)) members.push(added);
    }
  } else if (full) members = [];
  mirror.set(change.group.id, {
    jobId,
    sourceId: change.group.id,
    attributes: full
      ? { ...change.group.attributes }
      : { ...(previous?.attributes ?? {}), ...change.group.attributes },
    members,
    removed: null,
    updatedAt: now,
  });
}
