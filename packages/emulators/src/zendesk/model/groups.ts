import { ProblemList, recordInvalid, recordNotFound } from './errors.js';
import type { ZendeskStore } from './store.js';
import type { GroupRecord } from './types.js';

/**
 * The rules of Zendesk's Groups API (https://developer.zendesk.com/api-reference/ticketing/groups/groups/).
 * Groups are soft-deleted: they stay readable with `deleted: true` while their memberships go.
 */

type Input = Record<string, unknown>;

/** Any group, deleted ones included (GET /groups/{id} still shows a deleted group). */
export function findGroup(store: ZendeskStore, id: number): GroupRecord {
  const group = store.groups.get(id);
  if (!group) throw recordNotFound();
  return group;
}

/** A group that can still change: a deleted group is gone for writes (404). */
export function liveGroup(store: ZendeskStore, id: number): GroupRecord {
  const group = findGroup(store, id);
  if (group.deleted) throw recordNotFound();
  return group;
}

function readAttributes(
  input: Input,
  existing: GroupRecord | null,
  problems: ProblemList,
): Partial<GroupRecord> {
  const changes: Partial<GroupRecord> = {};
  if ('name' in input || !existing) {
    const name = input['name'];
    if (typeof name !== 'string' || name.trim() === '') {
      problems.add('name', 'Name: cannot be blank', 'BlankValue');
    } else {
      changes.name = name.trim();
    }
  }
  if ('description' in input) {
    const description = input['description'];
    if (description === null) changes.description = '';
    else if (typeof description === 'string') changes.description = description;
    else problems.add('description', 'Description: is invalid', 'InvalidValue');
  }
  if ('is_public' in input && input['is_public'] !== null) {
    const isPublic = input['is_public'];
    if (typeof isPublic !== 'boolean') {
      problems.add('is_public', 'Is public: is invalid', 'InvalidValue');
    } else if (existing && !existing.isPublic && isPublic) {
      // GroupObject.is_public: "You can't change a private group to a public group" [spec].
      problems.add(
        'is_public',
        "Is public: You can't change a private group to a public group",
        'InvalidValue',
      );
    } else {
      changes.isPublic = isPublic;
    }
  }
  // `default`, `deleted`, `id`, `url` and the timestamps are read-only [spec]: ignored, as Zendesk
  // ignores read-only attributes in request bodies.
  return changes;
}

/**
 * POST /groups. Duplicate names are accepted: Zendesk's documentation does not say whether names are unique,
 * the OpenAPI document states no uniqueness rule for groups (it does for user field keys), and a client that
 * relied on a 422 to detect an existing group would break against an account that allows duplicates, whereas
 * a client that looks groups up by name first works either way.
 */
export function createGroup(store: ZendeskStore, input: Input): GroupRecord {
  const problems = new ProblemList();
  const changes = readAttributes(input, null, problems);
  problems.throwIfAny();
  const now = store.clock.now();
  const group: GroupRecord = {
    id: store.nextId('group'),
    name: changes.name ?? '',
    description: changes.description ?? '',
    isPublic: changes.isPublic ?? true,
    isDefault: false,
    deleted: false,
    createdAt: now,
    updatedAt: now,
  };
  store.groups.insert(group);
  return group;
}

export function updateGroup(store: ZendeskStore, group: GroupRecord, input: Input): GroupRecord {
  if (group.deleted) throw recordNotFound();
  const problems = new ProblemList();
  const changes = readAttributes(input, group, problems);
  problems.throwIfAny();
  Object.assign(group, changes);
  group.updatedAt = store.clock.now();
  return group;
}

/** Zendesk's admin UI text for this refusal; the API status is unverified, 422 chosen. */
export const defaultGroupOfAgentsText =
  'This is the default group for one or more agents and cannot be deleted';

/**
 * DELETE /groups/{id}: a soft delete that removes the group's memberships. Refused (422) for the account's
 * default group, which new agents join, and for a group that is the default group of one or more agents
 * (Zendesk's admin UI refuses it; see docs/emulators.md, "Choices where Zendesk's behaviour is not
 * documented"). Because an agent's only membership is always their default one, the second rule also
 * guarantees that deleting a group never leaves an agent without a group.
 */
export function deleteGroup(store: ZendeskStore, group: GroupRecord): void {
  if (group.deleted) throw recordNotFound();
  if (group.isDefault) {
    // Exact text unverified: Zendesk's UI asks for another default group before deleting this one.
    throw recordInvalid({
      base: [
        {
          description:
            "This is the account's default group and cannot be deleted. Make another group the default first",
          error: 'InvalidValue',
        },
      ],
    });
  }
  const memberships = store.membershipsOfGroup(group.id);
  if (memberships.some((m) => m.isDefault)) {
    throw recordInvalid({ base: [{ description: defaultGroupOfAgentsText, error: 'InvalidValue' }] });
  }
  for (const membership of memberships) store.removeMembership(membership);
  group.deleted = true;
  group.updatedAt = store.clock.now();
}

/** The live groups a user belongs to, in id order. */
export function groupsOfUser(store: ZendeskStore, userId: number): GroupRecord[] {
  const out: GroupRecord[] = [];
  for (const membership of store.membershipsOfUser(userId)) {
    const group = store.groups.get(membership.groupId);
    if (group && !group.deleted) out.push(group);
  }
  return out.sort((a, b) => a.id - b.id);
}
