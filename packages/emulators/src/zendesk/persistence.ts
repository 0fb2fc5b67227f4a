import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { IdKind, ZendeskStore } from './model/store.js';
import type {
  CustomRoleRecord,
  GroupRecord,
  IdentityRecord,
  MembershipRecord,
  UserFieldRecord,
  UserRecord,
} from './model/types.js';
import type { ZendeskSettings } from './options.js';

/**
 * `--data <file>`: the emulator's state as one JSON document, loaded at start-up when the file
 * exists and written (atomically, through a temporary file) shortly after every change and at
 * shutdown. Jobs are not kept: they are short-lived by nature.
 */
interface Snapshot {
  version: 1;
  settings: Pick<ZendeskSettings, 'plan' | 'subdomain' | 'bulkImport'>;
  ids: Record<IdKind, number>;
  users: UserRecord[];
  identities: IdentityRecord[];
  groups: GroupRecord[];
  memberships: MembershipRecord[];
  customRoles: CustomRoleRecord[];
  userFields: UserFieldRecord[];
  apiTokens: string[];
  oauthTokens: [string, number][];
}

export function snapshot(store: ZendeskStore): Snapshot {
  return {
    version: 1,
    settings: {
      plan: store.settings.plan,
      subdomain: store.settings.subdomain,
      bulkImport: store.settings.bulkImport,
    },
    ids: store.idCounters(),
    users: [...store.users.ascending()],
    identities: [...store.identities.ascending()],
    groups: [...store.groups.ascending()],
    memberships: [...store.memberships.ascending()],
    customRoles: [...store.customRoles.ascending()],
    userFields: [...store.userFields.ascending()],
    apiTokens: [...store.apiTokens],
    oauthTokens: [...store.oauthTokens],
  };
}

export function restore(store: ZendeskStore, data: Snapshot): void {
  if (data.version !== 1) throw new Error(`unsupported emulator data version ${String(data.version)}`);
  store.clear();
  Object.assign(store.settings, data.settings);
  for (const user of data.users) store.insertUser(user);
  for (const identity of data.identities) store.addIdentity(identity);
  for (const group of data.groups) store.groups.insert(group);
  for (const membership of data.memberships) store.addMembership(membership);
  for (const role of data.customRoles) store.customRoles.insert(role);
  for (const field of data.userFields) store.userFields.insert(field);
  for (const token of data.apiTokens) store.apiTokens.add(token);
  for (const [token, userId] of data.oauthTokens) store.oauthTokens.set(token, userId);
  store.restoreIdCounters(data.ids);
}

export async function loadDataFile(store: ZendeskStore, path: string): Promise<boolean> {
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
    private readonly store: ZendeskStore,
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
