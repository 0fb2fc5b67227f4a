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
  /** The user behind the API token (undefined: not read since the last full read). */
  #owner: CredentialOwner | null | undefined;

  constructor(options: ResolvedOptions) {
    this.#http = new ZendeskHttp(options.http);
    this.#host = options.host;
    this.#credentials = options.http.adminUsername.toLowerCase();
    const { accountHost } = options;
    this.system = { displayName: 'Zendesk', id: accountHost, details: { Domain: accountHost } };
    this.#now = options.now;
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

  async loadChangedUsers(): Promise<readonly TargetUser[]> {
    const changed = new Map<string, TargetUser>();
    try {
      // A state saved before the role catalogue was kept with it: read the catalogue once.
      if (this.#customRoles === null) this.#customRoles = await this.#loadCustomRoles();
      let cursor = this.#cursor;
      if (cursor === null) {
        const from = this.#loadedAt ?? this.#now();
        let startTime = Math.floor(from.getTime() / 1000) - incrementalLagSeconds;
        try {
          cursor = await this.#export({ kind: 'incremental', startTime }, changed);
        } catch (error) {
          // "Too recent start_time": our clock is ahead of Zendesk's; start a minute earlier.
          if (!(error instanceof ZendeskHttpError && error.status === 422)) throw error;
          startTime -= incrementalLagSeconds;
          cursor = await this.#export({ kind: 'incremental', startTime }, changed);
        }
      } else {
        cursor = await this.#export({ kind: 'incremental', cursor }, changed);
      }
      if (cursor !== null) this.#cursor = cursor;
    } catch (error) {
      throw new ConnectorFailure(toConnectorError(error, 'GET /api/v2/incremental/users/cursor'));
    }
    return [...changed.values()];
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
    return applyActions(this.#write, actions, onProgress);
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
    return applyGroupActions(this.#write, actions);
  }

  applyMemberships(
    actions: readonly TargetMembershipAction[],
  ): Promise<readonly TargetMembershipActionResult[]> {
    return applyMembershipActions(this.#memberships, actions);
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
