import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
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

export async function loadDataFile(store: EntraStore, path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  try {
    restore(store, JSON.parse(await readFile(path, 'utf8')) as Snapshot);
  } catch (error) {
    throw new Error(`data file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return true;
}

/** Saves at most once per `delayMs` after changes; `flush()` saves now if anything changed. */
export class DataFileWriter {
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: EntraStore,
    private readonly path: string,
    private readonly delayMs = 250,
  ) {}

  changed(): void {
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      // A failed background save must not crash the emulator (an unhandled rejection would).
      this.flush().catch((error: unknown) => {
        process.stderr.write(
          `emulator: could not save ${this.path}: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      });
    }, this.delayMs);
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const text = JSON.stringify(snapshot(this.store));
    // One failed write must not stop every later one: chain on the previous write's settlement.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        const temporary = `${this.path}.tmp`;
        try {
          await writeFile(temporary, text);
          await rename(temporary, this.path);
        } catch (error) {
          this.dirty = true; // tried again at the next change or at close
          throw error;
        }
      });
    return this.writing;
  }
}
