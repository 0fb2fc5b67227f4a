import { readDataFile, SnapshotWriter } from '../common/data-file.js';
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
import type { SsoSnapshot } from './sso/state.js';

/**
 * `--data <file>`: the emulator's state as one JSON document, loaded at start-up when the file
 * exists and written (atomically, through a temporary file) shortly after every change and at
 * shutdown. Jobs and single sign-on browser sessions are not kept: they are short-lived by nature.
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
  /** Absent in files written before single sign-on existed. Sessions are not kept. */
  sso?: SsoSnapshot;
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
    sso: store.sso.snapshot(),
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
  if (data.sso) store.sso.restore(data.sso);
}

export function loadDataFile(store: ZendeskStore, path: string): Promise<boolean> {
  return readDataFile(path, (data) => restore(store, data as Snapshot));
}

/** Saves the emulator's snapshot at most once per `delayMs` after changes, and at `flush()`. */
export class DataFileWriter extends SnapshotWriter {
  constructor(store: ZendeskStore, path: string, delayMs?: number) {
    super(() => snapshot(store), path, delayMs);
  }
}
