import { readDataFile, SnapshotWriter } from '../common/data-file.js';
import type { EntraStore } from './model/store.js';
import type {
  ApplicationRecord,
  AppRoleAssignmentRecord,
  GroupRecord,
  ServicePrincipalRecord,
  UserRecord,
} from './model/types.js';

/**
 * `--data <file>`: the tenant's directory as one JSON document, loaded at start-up when the file
 * exists and written (atomically, through a temporary file) shortly after every change and at
 * shutdown, like the Zendesk emulator's. Not kept: the delta change log (tokens issued before a
 * restart answer `syncStateNotFound`), pending authorization codes, and the signing key and
 * certificate (generated at every start, so clients get new tokens).
 */
interface Snapshot {
  version: 1;
  counters: { seq: number; draws: number };
  users: UserRecord[];
  groups: GroupRecord[];
  applications: ApplicationRecord[];
  servicePrincipals: ServicePrincipalRecord[];
  appRoleAssignments: AppRoleAssignmentRecord[];
  /** Direct memberships as [groupId, memberId]. */
  members: [string, string][];
}

export function snapshot(store: EntraStore): Snapshot {
  return {
    version: 1,
    counters: store.counters(),
    users: [...store.users.ascending()],
    groups: [...store.groups.ascending()],
    applications: [...store.applications.ascending()],
    servicePrincipals: [...store.servicePrincipals.ascending()],
    appRoleAssignments: [...store.appRoleAssignments.ascending()],
    members: [...store.membersOf].flatMap(([groupId, members]) =>
      [...members].map((memberId): [string, string] => [groupId, memberId]),
    ),
  };
}

export function restore(store: EntraStore, data: Snapshot): void {
  if (data.version !== 1) throw new Error(`unsupported emulator data version ${String(data.version)}`);
  store.clear();
  for (const user of data.users) {
    // Files written before managers were modelled have no managerId.
    store.users.insert({ ...user, managerId: user.managerId ?? null });
    if (user.deletedDateTime === null) store.userIdByUpn.set(user.userPrincipalName.toLowerCase(), user.id);
  }
  for (const group of data.groups) store.groups.insert(group);
  for (const app of data.applications) {
    store.applications.insert(app);
    store.applicationIdByAppId.set(app.appId.toLowerCase(), app.id);
  }
  for (const sp of data.servicePrincipals) {
    store.servicePrincipals.insert(sp);
    store.servicePrincipalIdByAppId.set(sp.appId.toLowerCase(), sp.id);
  }
  for (const assignment of data.appRoleAssignments) store.addAssignment(assignment);
  for (const [groupId, memberId] of data.members) store.addMember(groupId, memberId);
  store.restoreCounters(data.counters);
  // Restoring is not a change: delta rounds start from the restored tables.
  store.changes.clear();
}

export function loadDataFile(store: EntraStore, path: string): Promise<boolean> {
  return readDataFile(path, (data) => restore(store, data as Snapshot));
}

/** Saves the emulator's snapshot at most once per `delayMs` after changes, and at `flush()`. */
export class DataFileWriter extends SnapshotWriter {
  constructor(store: EntraStore, path: string, delayMs?: number) {
    super(() => snapshot(store), path, delayMs);
  }
}
