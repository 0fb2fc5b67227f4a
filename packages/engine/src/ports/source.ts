/**
 * The source port: what the engine needs from an identity source (Entra ID through Microsoft Graph).
 * Nothing here names a vendor type; the Graph connector (`@provisio/entra`) implements it.
 */
import type { ConnectionCheck, SystemInfo } from './common.js';

/** One user as the source reports it. Attribute names are the source's own (Graph property names). */
export interface SourceUser {
  /** The immutable source id (Entra objectId). */
  readonly id: string;
  /** Graph properties as read (only those asked for, plus `id`); values as Graph sends them. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * A change from the source's change feed (Graph delta). `removed: 'soft'` is Graph's
 * `@removed.reason = "changed"` (the user waits in deleted items and can be restored);
 * `removed: 'hard'` is `"deleted"` (gone for good). A removed entry carries no attributes.
 */
export type SourceUserChange =
  | { readonly kind: 'upsert'; readonly user: SourceUser }
  | { readonly kind: 'removed'; readonly id: string; readonly removed: 'soft' | 'hard' };

export interface ReadUsersRequest {
  /** The watermark of the previous cycle (Graph `@odata.deltaLink`); null reads everything. */
  readonly watermark: string | null;
  /** Source attributes the mappings and scoping filters need (`id` is always read). */
  readonly select: readonly string[];
  /** Called after each page, for progress (count of changes read so far). */
  readonly onProgress?: (read: number) => void;
}

export interface ReadUsersResult {
  /**
   * Changes in the order read. A full read (watermark null) lists every user as `upsert` (users in
   * deleted items are not listed). An incremental read holds only what changed; an upsert may carry
   * only the changed properties (merge it into what you already know).
   */
  readonly changes: readonly SourceUserChange[];
  /** The new watermark, to be stored only once the cycle has finished. */
  readonly watermark: string;
  /** true when the previous watermark had expired and a full read was done instead. */
  readonly fullRead: boolean;
}

/** One app role the application defines (Entra appRole). */
export interface SourceAppRole {
  readonly id: string;
  readonly displayName: string;
  readonly value: string | null;
  readonly isEnabled: boolean;
}

/**
 * A user's effective assignment to the application: a direct assignment, or one inherited from
 * being a direct member of an assigned group (Entra does not expand nested groups).
 */
export interface SourceAssignment {
  /** The appRoleAssignment id. */
  readonly id: string;
  readonly userId: string;
  readonly appRoleId: string;
  /** The role's display name, e.g. "Agent"; "Default Access" for the default role 00000000-…. */
  readonly roleDisplayName: string;
  readonly roleValue: string | null;
  /** Set when the user got the assignment through this group. */
  readonly viaGroupId?: string;
  readonly viaGroupName?: string;
}

/** A group assigned to the application (its direct member users get `SourceAssignment`s). */
export interface SourceGroupAssignment {
  readonly id: string;
  readonly groupId: string;
  readonly groupName: string;
  readonly appRoleId: string;
  readonly roleDisplayName: string;
}

export interface ReadAssignmentsResult {
  readonly roles: readonly SourceAppRole[];
  readonly assignments: readonly SourceAssignment[];
  /** The groups assigned to the application (scope "assigned" provisions these groups). */
  readonly groups?: readonly SourceGroupAssignment[];
}

/**
 * What `readAssignmentChanges` is asked for. Cost follows changes (docs/performance.md#what-a-cycle-reads):
 * between sweeps only the users named here and the members who joined or left an assigned group are
 * read; every assignment is read again by a sweep, on its own schedule.
 */
export interface ReadAssignmentChangesRequest {
  /** What the previous read returned (null: none yet, so this read is a sweep). */
  readonly watermark: string | null;
  /**
   * Users whose assignments to read now, whatever else changed: those the users' change feed
   * reported as new or restored (a user created and assigned a moment ago is provisioned at once).
   */
  readonly users: readonly string[];
  /**
   * The longest time between two sweeps. A sweep is also made when the watermark is null or
   * unusable, when more users would be read one by one than a sweep costs, and every time while a
   * sweep costs no more than a couple of requests (a small application).
   */
  readonly sweepIntervalMs: number;
  /** The time now, by the engine's clock (when the sweep is due). */
  readonly now: Date;
  /**
   * Graph requests a minute the sweeps may spend between intervals: a sweep is also made once the
   * time since the last one pays for it at this rate (0: by the interval only).
   */
  readonly sweepRequestsPerMinute: number;
}

export interface AssignmentChanges {
  /** The application's app roles (read on a sweep; kept from the last sweep otherwise). */
  readonly roles: readonly SourceAppRole[];
  /**
   * true: a sweep; `byUser` holds every user with an effective assignment, and a user missing from
   * it has none. false: only the users in `byUser` are known anew, the others are as they were.
   */
  readonly complete: boolean;
  /** Users whose assignments were read, each with all its effective assignments (empty: none left). */
  readonly byUser: ReadonlyMap<string, readonly SourceAssignment[]>;
  /** The groups assigned to the application (as of this read). */
  readonly groups: readonly SourceGroupAssignment[];
  /** To pass as `watermark` next time, once the cycle has finished; opaque, never a secret. */
  readonly watermark: string;
  /**
   * A sweep's watermark dated at the end of the cycle that made it (`watermark` otherwise): the
   * next sweep is due `sweepIntervalMs` after the cycle ended, so the cycle after a long initial
   * cycle follows the changes rather than sweeping again (docs/provisioning.md#how-assignment-changes-are-found).
   */
  readonly settleWatermark?: (cycleEndedAt: Date) => string;
}

export interface SourceConnector {
  /** The source system, for the provisioning log. */
  readonly system: SystemInfo;
  /** Gets a token and makes one read per permission the job needs; never throws. */
  testConnection(): Promise<ConnectionCheck>;
  /** Reads users: everything (watermark null) or the changes since the watermark. */
  readUsers(request: ReadUsersRequest): Promise<ReadUsersResult>;
  /** Reads the application's app roles and every user's effective assignments. */
  readAssignments(): Promise<ReadAssignmentsResult>;
  /**
   * The assignments that changed since `watermark`: a sweep (every assignment) or only the users
   * asked for and the members of assigned groups who came or went (Graph groups delta).
   */
  readAssignmentChanges(request: ReadAssignmentChangesRequest): Promise<AssignmentChanges>;
  /**
   * One user by object id or userPrincipalName (provision on demand); null when not found.
   * Deleted users are not found.
   */
  getUser(idOrUserPrincipalName: string, select: readonly string[]): Promise<SourceUser | null>;
  /**
   * Users to pick from (the console's search): those whose display name, userPrincipalName or mail
   * starts with `text` (case-insensitive), or whose object id is `text`; at most `top`, any order.
   * Deleted users are not found.
   */
  searchUsers(text: string, top: number, select: readonly string[]): Promise<readonly SourceUser[]>;
}

// ---- Groups (issue "part 2") ---------------------------------------------------------------------

/** A member reference as Graph reports it: a user or a (nested) group. */
export interface MemberRef {
  readonly id: string;
  readonly type: 'user' | 'group';
}

/** One group as the source reports it; attribute names are Graph's (displayName, description, …). */
export interface SourceGroup {
  readonly id: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * A change from the groups change feed (Graph groups/delta with `members@delta`). On a full read each
 * upsert carries every direct member (`members.full` true); on an incremental read only what was
 * added or removed since the watermark (`full` false), and a group whose members did not change may
 * come without `members` at all.
 */
export type SourceGroupChange =
  | {
      readonly kind: 'upsert';
      readonly group: SourceGroup;
      readonly members?: {
        readonly full: boolean;
        readonly added: readonly MemberRef[];
        readonly removed: readonly MemberRef[];
      };
    }
  | { readonly kind: 'removed'; readonly id: string; readonly removed: 'soft' | 'hard' };

export interface ReadGroupsRequest {
  readonly watermark: string | null;
  /** Group attributes the group mappings and filters need (`id` and `displayName` are always read). */
  readonly select: readonly string[];
  readonly onProgress?: (read: number) => void;
}

export interface ReadGroupsResult {
  readonly changes: readonly SourceGroupChange[];
  readonly watermark: string;
  readonly fullRead: boolean;
}

/** An app role to publish on the application (role import). */
export interface AppRoleDefinition {
  readonly displayName: string;
  /** The `value` claim; letters, digits and . _ - only (Graph's rule). */
  readonly value: string;
  readonly description: string;
}

export interface PublishAppRolesResult {
  /** Roles added (new ids). */
  readonly added: readonly string[];
  /** Roles whose description changed (ids kept). */
  readonly updated: readonly string[];
  /** Roles that were already there and unchanged. */
  readonly unchanged: readonly string[];
  /** Roles no longer wanted and not assigned: disabled, then removed (Graph's rule). */
  readonly removed: readonly string[];
  /** Roles no longer wanted but still assigned to someone: left in place (named, with the count). */
  readonly keptAssigned: readonly { readonly displayName: string; readonly assignments: number }[];
  /** The application's app roles after the import. */
  readonly roles: readonly SourceAppRole[];
}

/** What the group pipeline and role import need from the source, beside `SourceConnector`. */
export interface GroupSourceConnector {
  /** Reads groups with their direct members: everything (watermark null) or the changes since. */
  readGroups(request: ReadGroupsRequest): Promise<ReadGroupsResult>;
  /** One group by object id or exact display name (provision on demand); null when not found. */
  getGroup(idOrDisplayName: string, select: readonly string[]): Promise<SourceGroup | null>;
  /** Groups whose display name starts with `text`, or whose object id is `text`; at most `top`. */
  searchGroups(text: string, top: number, select: readonly string[]): Promise<readonly SourceGroup[]>;
  /** Direct members of one group (provision on demand, nested expansion). */
  readGroupMembers(groupId: string): Promise<readonly MemberRef[]>;
  /**
   * Makes the application's app roles match `roles` (besides roles it should never touch: Default
   * Access and roles whose value is not managed by provisio are left alone), keeping ids stable and
   * never removing a role still assigned.
   */
  publishAppRoles(roles: readonly AppRoleDefinition[]): Promise<PublishAppRolesResult>;
}
