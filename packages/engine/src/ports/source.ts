/**
 * The source port: what the engine needs from an identity source (Entra ID through Microsoft Graph).
 * Nothing here names a vendor type; the Graph connector (`@provisio/entra`) implements it.
 */
import type { ConnectionCheck } from './common.js';

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

export interface ReadAssignmentsResult {
  readonly roles: readonly SourceAppRole[];
  readonly assignments: readonly SourceAssignment[];
}

export interface SourceConnector {
  /** Gets a token and makes one read per permission the job needs; never throws. */
  testConnection(): Promise<ConnectionCheck>;
  /** Reads users: everything (watermark null) or the changes since the watermark. */
  readUsers(request: ReadUsersRequest): Promise<ReadUsersResult>;
  /** Reads the application's app roles and every user's effective assignments. */
  readAssignments(): Promise<ReadAssignmentsResult>;
  /**
   * One user by object id or userPrincipalName (provision on demand); null when not found.
   * Deleted users are not found.
   */
  getUser(idOrUserPrincipalName: string, select: readonly string[]): Promise<SourceUser | null>;
}
