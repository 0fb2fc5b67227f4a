import {
  type ConnectionCheck,
  ConnectorFailure,
  type CredentialOwner,
  type GroupTargetConnector,
  type PreparedAttributes,
  type SignOnConfiguration,
  type SystemInfo,
  type TargetAction,
  type TargetActionResult,
  type TargetConnector,
  type TargetGroup,
  type TargetGroupAction,
  type TargetGroupActionResult,
  type TargetMembership,
  type TargetMembershipAction,
  type TargetMembershipActionResult,
  type TargetProgress,
  type TargetRole,
  type TargetUser,
  type TargetUserField,
} from '@provisio/engine';
import { toConnectorError, ZendeskHttpError } from '../client/errors.js';
import { ZendeskHttp } from '../client/http.js';
import { BulkJobs } from '../client/jobs.js';
import { paginate } from '../client/paginate.js';
import {
  customRolesSchema,
  groupMembershipSchema,
  groupSchema,
  meSchema,
  remoteAuthenticationsSchema,
  userFieldSchema,
  userSchema,
  type ZendeskCustomRole,
} from '../client/schemas.js';
import { applyActions, type WriteContext } from './apply.js';
import { matchKeyOf, prepareAttributes, sameValue, toTargetUser } from './attributes.js';
import { Semaphore } from './concurrency.js';
import { applyGroupActions, canJoinGroups, prepareGroupAttributes, toTargetGroup } from './groups.js';
import { lookUpUsers, planLookup } from './lookup.js';
import { applyMembershipActions, type MembershipWriteContext } from './memberships.js';
import { type ResolvedOptions, resolveOptions, type ZendeskTargetOptions } from './options.js';
import { type CustomRole, isRoleDowngrade, toTargetRoles } from './roles.js';
import { checkConnection } from './test-connection.js';

/** The incremental export does not serve the last minute (https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/). */
const incrementalLagSeconds = 60;
/**
 * How long after provisio's last write of a full-read cycle the export may start where the writes
 * ended: Zendesk refuses a start_time less than a minute old, and that start is the second after
 * the last answer's `Date`.
 */
const startAgeMs = (incrementalLagSeconds + 1) * 1000;

/** Where the first export after a full read will start, once fixed. */
interface PendingStart {
  /** The export's `start_time`, Unix seconds on Zendesk's clock. */
  readonly time: number;
  /** Not asked before this time on our clock (ms): Zendesk would refuse it as too recent. */
  readonly notBefore: number;
}

/**
 * The Zendesk target connector: users (`TargetConnector`), groups, memberships and roles
 * (`GroupTargetConnector`), plus what benchmarks and tests read about its requests.
 */
export interface ZendeskTarget extends TargetConnector, GroupTargetConnector {
  /** Requests sent to Zendesk so far, retries included (benchmarks and the cycle report read it). */
  readonly requestCount: number;
  /** Which bulk endpoints answered 403 and are replaced by single requests (bulk import off). */
  readonly fallbacks: Readonly<{ create: boolean; update: boolean; delete: boolean }>;
  /** Which membership bulk endpoints answered 403/404 and are replaced by single requests. */
  readonly membershipFallbacks: Readonly<{ add: boolean; remove: boolean }>;
  /** The custom roles `prepare` knows (after `loadUsers` or `listRoles`). */
  readonly customRoles: readonly CustomRole[] | null;
  /** The users create-or-update would update for these creates (connector/lookup.ts). */
  findUsers(creates: readonly Readonly<Record<string, unknown>>[]): Promise<readonly TargetUser[]>;
}

/**
 * The `TargetConnector` and `GroupTargetConnector` for Zendesk Support over our own Zendesk client
 * (`client/`). Everything it holds belongs to this instance (no module state), so many jobs can run
 * side by side. Throws `ZendeskConfigurationError` for options that cannot work.
 */
export function createZendeskTarget(options: ZendeskTargetOptions): ZendeskTarget {
  return new Target(resolveOptions(options));
}

class Target implements ZendeskTarget {
  readonly driftAttributes: readonly string[] = ['role', 'custom_role_id', 'suspended'];
  readonly system: SystemInfo;

  readonly #http: ZendeskHttp;
  readonly #host: string;
  /** Whose credentials these are (the admin username, in lower case): a kept owner is theirs only. */
  readonly #credentials: string;
  readonly #now: () => Date;
  readonly #write: WriteContext;
  readonly #memberships: MembershipWriteContext;
  /** Custom roles of the account: null until loaded, [] when the plan has none (403). */
  #customRoles: CustomRole[] | null = null;
  /** When `loadUsers` started: the first incremental export starts from there. */
  #loadedAt: Date | null = null;
  /** The incremental export's `after_cursor`, kept between calls. */
  #cursor: string | null = null;
  /**
   * The end of provisio's own writes since the full read, before the first export: Zendesk's time
   * (its `Date` header) and ours, in ms. The first export starts there, not at the full read.
   */
  #writesEnded: { readonly zendesk: number; readonly local: number } | null = null;
  /** The first export's start once the first call after the full read fixed it. */
  #pendingStart: PendingStart | null = null;
  /** When the export was last asked (our clock, ms): it is paced to one call per `exportIntervalMs`. */
  #lastExportAt: number | null = null;
  readonly #exportIntervalMs: number;
  /** The user behind the API token (undefined: not read since the last full read). */
  #owner: CredentialOwner | null | undefined;

  constructor(options: ResolvedOptions) {
    this.#http = new ZendeskHttp(options.http);
    this.#host = options.host;
    this.#credentials = options.http.adminUsername.toLowerCase();
    const { accountHost } = options;
    this.system = { displayName: 'Zendesk', id: accountHost, details: { Domain: accountHost } };
    this.#now = options.now;
    this.#exportIntervalMs = options.exportIntervalMs;
    const jobs = new BulkJobs(this.#http, options.jobs);
    this.#write = {
      http: this.#http,
      jobs,
      singles: { create: false, update: false, delete: false },
      singleRequests: new Semaphore(options.singleRequestConcurrency),
      chunkConcurrency: options.chunkConcurrency,
    };
    this.#memberships = {
      http: this.#http,
      jobs,
      singles: { add: false, remove: false },
      singleRequests: this.#write.singleRequests,
      chunkConcurrency: this.#write.chunkConcurrency,
    };
  }

  /** Requests sent to Zendesk so far, retries included (benchmarks report it). */
  get requestCount(): number {
    return this.#http.requests;
  }

  /** Which bulk endpoints answered 403 and are replaced by single requests (bulk import off). */
  get fallbacks(): Readonly<{ create: boolean; update: boolean; delete: boolean }> {
    return { ...this.#write.singles };
  }

  /** Which membership bulk endpoints answered 403/404 and are replaced by single requests. */
  get membershipFallbacks(): Readonly<{ add: boolean; remove: boolean }> {
    return { ...this.#memberships.singles };
  }

  /** The custom roles `prepare` knows (after `loadUsers` or `listRoles`). */
  get customRoles(): readonly CustomRole[] | null {
    return this.#customRoles;
  }

  testConnection(): Promise<ConnectionCheck> {
    return checkConnection(this.#http, this.#host);
  }

  /**
   * The admin behind the API token: Show Self answers for the credentials' own user
   * (https://developer.zendesk.com/api-reference/ticketing/users/users/#show-self); the anonymous
   * user (id null) means the credentials belong to nobody. Read once per full read, then kept.
   */
  async credentialOwner(): Promise<CredentialOwner | null> {
    if (this.#owner !== undefined) return this.#owner;
    try {
      const { user } = await this.#http.request('GET', '/api/v2/users/me', { schema: meSchema });
      const keys: Record<string, string> = {};
      for (const attribute of ['email', 'external_id'] as const) {
        const key = matchKeyOf(attribute, user[attribute]);
        if (key !== null) keys[attribute] = key;
      }
      const name = user.name ?? '';
      this.#owner =
        user.id === null
          ? null
          : {
              targetId: String(user.id),
              displayName: user.email ? `${name} <${user.email}>` : name || `Zendesk user ${user.id}`,
              keys,
            };
      return this.#owner;
    } catch (error) {
      throw new ConnectorFailure(toConnectorError(error, 'GET /api/v2/users/me'));
    }
  }

  /**
   * The account's remote authentications (JWT, SAML, OpenID Connect sign-in), admins only
   * (https://developer.zendesk.com/api-reference/ticketing/account-configuration/remote_authentications/).
   * Zendesk shows only the first characters of a JWT shared secret (`masked_secret`).
   */
  async signOnConfigurations(): Promise<readonly SignOnConfiguration[]> {
    try {
      const { remote_authentications: found } = await this.#http.request(
        'GET',
        '/api/v2/remote_authentications',
        { schema: remoteAuthenticationsSchema },
      );
      return found.map((r) => {
        const mode = (r.auth_mode_name ?? '').toLowerCase();
        const prefix = (r.masked_secret ?? '').replace(/\*+$/, '');
        return {
          id: String(r.id),
          name: r.name ?? `Sign-in ${r.id}`,
          protocol: mode === 'jwt' || mode === 'saml' || mode === 'oidc' ? mode : 'other',
          active: r.is_active === true,
          staff: r.agent === true,
          endUsers: r.end_user === true,
          remoteLoginUrl: r.remote_login_url ?? null,
          remoteLogoutUrl: r.remote_logout_url ?? null,
          secretPrefix: prefix === '' ? null : prefix,
        };
      });
    } catch (error) {
      throw new ConnectorFailure(toConnectorError(error, 'GET /api/v2/remote_authentications'));
    }
  }

  async describeUserFields(): Promise<readonly TargetUserField[]> {
    const fields: TargetUserField[] = [];
    try {
      // Cursor pages of 100, in the account's field order
      // (https://developer.zendesk.com/api-reference/ticketing/users/user_fields/#list-user-fields).
      for await (const page of paginate(this.#http, {
        path: '/api/v2/user_fields',
        key: 'user_fields',
        item: userFieldSchema,
        style: { kind: 'cursor' },
      }))
        for (const field of page.items)
          fields.push({
            key: field.key,
            title: field.title ?? field.key,
            type: field.type,
            active: field.active !== false,
          });
    } catch (error) {
      throw new ConnectorFailure(toConnectorError(error, 'GET /api/v2/user_fields'));
    }
    return fields;
  }

  async loadUsers(onProgress?: (read: number) => void): Promise<readonly TargetUser[]> {
    const startedAt = this.#now();
    try {
      const [roles, users] = await Promise.all([this.#loadCustomRoles(), this.#readUsers(onProgress)]);
      this.#customRoles = roles;
      this.#loadedAt = startedAt;
      this.#cursor = null;
      this.#writesEnded = null;
      this.#pendingStart = null;
      this.#owner = undefined;
      // A full read starts afresh: bulk endpoints refused earlier are tried again (the account's
      // bulk import may have been turned on since).
      Object.assign(this.#write.singles, { create: false, update: false, delete: false });
      Object.assign(this.#memberships.singles, { add: false, remove: false });
      return users;
    } catch (error) {
      throw new ConnectorFailure(toConnectorError(error, 'GET /api/v2/users'));
    }
  }

  async #readUsers(onProgress?: (read: number) => void): Promise<TargetUser[]> {
    const users: TargetUser[] = [];
    for await (const page of paginate(this.#http, {
      path: '/api/v2/users',
      key: 'users',
      item: userSchema,
      style: { kind: 'cursor' },
    })) {
      for (const user of page.items) if (user.active !== false) users.push(toTargetUser(user));
      onProgress?.(users.length);
    }
    return users;
  }

  async #loadCustomRoles(): Promise<CustomRole[]> {
    const roles = await this.#readCustomRoles();
    return roles.map((r) => ({ id: r.id, name: r.name }));
  }

  async #readCustomRoles(): Promise<ZendeskCustomRole[]> {
    try {
      const answer = await this.#http.request('GET', '/api/v2/custom_roles', { schema: customRolesSchema });
      return answer.custom_roles;
    } catch (error) {
      // Below Enterprise, custom roles answer 403: the account simply has none.
      if (error instanceof ZendeskHttpError && error.status === 403) return [];
      throw error;
    }
  }

  /**
   * Users changed in Zendesk since the last call, through the incremental user export, at most once
   * per `exportIntervalMs` (between, nothing, without a request). The first export after a full read
   * starts at the later of the full read's start (less the export's minute of lag) and the end of
   * provisio's own writes made before it, so that those writes are not read back; while that start
   * is less than a minute old, Zendesk would refuse it, so nothing is asked and the start is kept
   * (docs/zendesk-limits.md, "The change export").
   */
  async loadChangedUsers(): Promise<readonly TargetUser[]> {
    const changed = new Map<string, TargetUser>();
    const now = this.#now().getTime();
    try {
      // A state saved before the role catalogue was kept with it: read the catalogue once.
      if (this.#customRoles === null) this.#customRoles = await this.#loadCustomRoles();
      if (this.#cursor === null && this.#pendingStart === null) {
        // Fixed at the first call after the full read: later cycles' writes do not move it.
        this.#pendingStart = this.#firstStart(now);
        this.#writesEnded = null;
      }
      const since = this.#lastExportAt === null ? null : now - this.#lastExportAt;
      if (since !== null && since >= 0 && since < this.#exportIntervalMs) return [];
      if (this.#cursor === null) {
        const start = this.#pendingStart as PendingStart;
        if (now < start.notBefore) return [];
        this.#lastExportAt = now;
        try {
          this.#cursor = await this.#export({ kind: 'incremental', startTime: start.time }, changed);
        } catch (error) {
          // "Too recent start_time": Zendesk's clock is behind ours. Keep the start; ask later.
          if (error instanceof ZendeskHttpError && error.status === 422) return [];
          throw error;
        }
        if (this.#cursor !== null) this.#pendingStart = null;
      } else {
        this.#lastExportAt = now;
        const cursor = await this.#export({ kind: 'incremental', cursor: this.#cursor }, changed);
        if (cursor !== null) this.#cursor = cursor;
      }
    } catch (error) {
      throw new ConnectorFailure(toConnectorError(error, 'GET /api/v2/incremental/users/cursor'));
    }
    return [...changed.values()];
  }

  /** The first export's start after a full read (see `loadChangedUsers`). */
  #firstStart(now: number): PendingStart {
    const read = Math.floor((this.#loadedAt?.getTime() ?? now) / 1000) - incrementalLagSeconds;
    const writes = this.#writesEnded;
    // The second after the one the last answer was sent in: every write was done before that answer,
    // and Zendesk's `updated_at` and `start_time` are whole seconds.
    const afterWrites = writes === null ? null : Math.floor(writes.zendesk / 1000) + 1;
    if (writes === null || afterWrites === null || afterWrites <= read)
      return { time: read, notBefore: Number.NEGATIVE_INFINITY };
    return { time: afterWrites, notBefore: writes.local + startAgeMs };
  }

  /**
   * Runs a write and, between a full read and the first export after it, notes when Zendesk
   * answered its last request (the `Date` header of the poll that saw the last job finish).
   */
  async #writing<T>(write: () => Promise<T>): Promise<T> {
    const before = this.#http.requests;
    try {
      return await write();
    } finally {
      const zendesk = this.#http.serverTime?.getTime();
      if (
        this.#cursor === null &&
        this.#pendingStart === null &&
        this.#http.requests > before &&
        zendesk !== undefined
      )
        this.#writesEnded = { zendesk, local: this.#now().getTime() };
    }
  }

  async #export(
    style: { kind: 'incremental'; startTime: number } | { kind: 'incremental'; cursor: string },
    into: Map<string, TargetUser>,
  ): Promise<string | null> {
    let cursor: string | null = null;
    for await (const page of paginate(this.#http, {
      path: '/api/v2/incremental/users/cursor',
      key: 'users',
      item: userSchema,
      style,
    })) {
      for (const user of page.items) {
        const target = toTargetUser(user);
        into.delete(target.id); // a user changed twice comes once, last state
        into.set(target.id, target);
      }
      cursor = page.afterCursor ?? cursor;
    }
    return cursor;
  }

  /** The users Zendesk's create-or-update would update for these creates (connector/lookup.ts). */
  async findUsers(creates: readonly Readonly<Record<string, unknown>>[]): Promise<readonly TargetUser[]> {
    try {
      return (await lookUpUsers(this.#http, planLookup(creates))).map(toTargetUser);
    } catch (error) {
      throw new ConnectorFailure(toConnectorError(error, 'GET /api/v2/users/show_many'));
    }
  }

  restoreState(state: string | null): void {
    const saved = parseSavedState(state);
    this.#loadedAt = saved.loadedAt === null ? null : new Date(saved.loadedAt);
    this.#cursor = saved.cursor;
    this.#writesEnded =
      saved.writesEnded === undefined
        ? null
        : { zendesk: Date.parse(saved.writesEnded.zendesk), local: Date.parse(saved.writesEnded.local) };
    this.#pendingStart =
      saved.pendingStart === undefined
        ? null
        : { time: saved.pendingStart.time, notBefore: Date.parse(saved.pendingStart.notBefore) };
    this.#lastExportAt = saved.lastExportAt === undefined ? null : Date.parse(saved.lastExportAt);
    this.#customRoles = saved.customRoles;
    // An owner kept for other credentials (the token moved to another admin) is read again.
    this.#owner = saved.ownerOf === this.#credentials ? saved.owner : undefined;
    Object.assign(this.#write.singles, saved.singles);
    Object.assign(this.#memberships.singles, saved.membershipSingles);
  }

  saveState(): string | null {
    const state: SavedState = {
      version: 1,
      loadedAt: this.#loadedAt?.toISOString() ?? null,
      cursor: this.#cursor,
      ...(this.#writesEnded === null
        ? {}
        : {
            writesEnded: {
              zendesk: new Date(this.#writesEnded.zendesk).toISOString(),
              local: new Date(this.#writesEnded.local).toISOString(),
            },
          }),
      ...(this.#pendingStart === null
        ? {}
        : {
            pendingStart: {
              time: this.#pendingStart.time,
              notBefore: isoOrEpoch(this.#pendingStart.notBefore),
            },
          }),
      ...(this.#lastExportAt === null ? {} : { lastExportAt: new Date(this.#lastExportAt).toISOString() }),
      customRoles: this.#customRoles,
      ...(this.#owner !== undefined ? { owner: this.#owner, ownerOf: this.#credentials } : {}),
      singles: { ...this.#write.singles },
      membershipSingles: { ...this.#memberships.singles },
    };
    return JSON.stringify(state);
  }

  prepare(mapped: Readonly<Record<string, unknown>>): PreparedAttributes {
    return prepareAttributes(mapped, this.#customRoles);
  }

  reducesPrivileges(current: TargetUser, changes: Readonly<Record<string, unknown>>): boolean {
    return isRoleDowngrade(current.attributes['role'], changes['role']);
  }

  same(attribute: string, desired: unknown, current: unknown): boolean {
    return sameValue(attribute, desired, current);
  }

  matchKey(attribute: string, value: unknown): string | null {
    return matchKeyOf(attribute, value);
  }

  apply(
    actions: readonly TargetAction[],
    onProgress?: (progress: TargetProgress) => void,
  ): Promise<readonly TargetActionResult[]> {
    return this.#writing(() => applyActions(this.#write, actions, onProgress));
  }

  // ---- Groups, memberships, roles -------------------------------------------------------------

  /** Every group that is not deleted: cursor pages of 100 (`exclude_deleted`, checked again here). */
  async loadGroups(): Promise<readonly TargetGroup[]> {
    const groups: TargetGroup[] = [];
    try {
      for await (const page of paginate(this.#http, {
        path: '/api/v2/groups',
        key: 'groups',
        item: groupSchema,
        style: { kind: 'cursor' },
        query: { exclude_deleted: true },
      })) {
        for (const group of page.items) if (group.deleted !== true) groups.push(toTargetGroup(group));
      }
    } catch (error) {
      throw new ConnectorFailure(toConnectorError(error, 'GET /api/v2/groups'));
    }
    return groups;
  }

  /** Every group membership: cursor pages of 100. */
  loadMemberships(): Promise<readonly TargetMembership[]> {
    return this.#readMemberships('/api/v2/group_memberships');
  }

  /** The memberships of one group: cursor pages of 100. */
  loadGroupMemberships(groupId: string): Promise<readonly TargetMembership[]> {
    return this.#readMemberships(`/api/v2/groups/${encodeURIComponent(groupId)}/memberships`);
  }

  async #readMemberships(path: string): Promise<readonly TargetMembership[]> {
    const memberships: TargetMembership[] = [];
    try {
      for await (const page of paginate(this.#http, {
        path,
        key: 'group_memberships',
        item: groupMembershipSchema,
        style: { kind: 'cursor' },
      })) {
        for (const m of page.items)
          memberships.push({ id: String(m.id), userId: String(m.user_id), groupId: String(m.group_id) });
      }
    } catch (error) {
      throw new ConnectorFailure(toConnectorError(error, `GET ${path}`));
    }
    return memberships;
  }

  prepareGroup(mapped: Readonly<Record<string, unknown>>): PreparedAttributes {
    return prepareGroupAttributes(mapped);
  }

  canJoinGroups(user: TargetUser): boolean {
    return canJoinGroups(user);
  }

  applyGroups(actions: readonly TargetGroupAction[]): Promise<readonly TargetGroupActionResult[]> {
    return this.#writing(() => applyGroupActions(this.#write, actions));
  }

  applyMemberships(
    actions: readonly TargetMembershipAction[],
  ): Promise<readonly TargetMembershipActionResult[]> {
    return this.#writing(() => applyMembershipActions(this.#memberships, actions));
  }

  /** End-user, Agent and Admin, then the account's custom roles (none below Enterprise: 403). */
  async listRoles(): Promise<readonly TargetRole[]> {
    try {
      const custom = await this.#readCustomRoles();
      this.#customRoles = custom.map((r) => ({ id: r.id, name: r.name }));
      return toTargetRoles(custom);
    } catch (error) {
      throw new ConnectorFailure(toConnectorError(error, 'GET /api/v2/custom_roles'));
    }
  }
}

/**
 * What the connector keeps between cycles (`saveState`/`restoreState`): no secret, nothing the
 * engine reads. Version 1.
 */
interface SavedState {
  readonly version: 1;
  /** When the last full user read began (the export starts there until it has a cursor). */
  readonly loadedAt: string | null;
  /** The incremental export's `after_cursor`. */
  readonly cursor: string | null;
  /** The end of provisio's writes after the full read: Zendesk's time and ours (ISO). */
  readonly writesEnded?: { readonly zendesk: string; readonly local: string };
  /** The first export's start after a full read, once fixed (`notBefore`: ISO, our clock). */
  readonly pendingStart?: { readonly time: number; readonly notBefore: string };
  /** When the export was last asked (ISO, our clock). */
  readonly lastExportAt?: string;
  readonly customRoles: CustomRole[] | null;
  /** The user behind the API token, once read (absent: read it again). */
  readonly owner?: CredentialOwner | null;
  /** The admin username the owner was read with (lower case). */
  readonly ownerOf?: string;
  readonly singles: { create: boolean; update: boolean; delete: boolean };
  readonly membershipSingles: { add: boolean; remove: boolean };
}

const emptyState: SavedState = {
  version: 1,
  loadedAt: null,
  cursor: null,
  customRoles: null,
  singles: { create: false, update: false, delete: false },
  membershipSingles: { add: false, remove: false },
};

/** A time as ISO text; "no earliest time" as the epoch. */
function isoOrEpoch(ms: number): string {
  return new Date(Number.isFinite(ms) ? ms : 0).toISOString();
}

/** A saved state, or the empty one when there is none or it is not one this version wrote. */
function parseSavedState(state: string | null): SavedState {
  if (state === null) return emptyState;
  try {
    const parsed = JSON.parse(state) as Partial<SavedState>;
    if (parsed.version !== 1) return emptyState;
    return { ...emptyState, ...parsed } as SavedState;
  } catch {
    return emptyState;
  }
}
