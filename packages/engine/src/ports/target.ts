/**
 * The target port: what the engine needs from the application it provisions (Zendesk Support).
 * The Zendesk connector (`@provisio/zendesk`) implements it.
 */
import type { ErrorCode } from '../errors/engine.js';
import type { ConnectionCheck, ConnectorError, SystemInfo } from './common.js';

/** A user as the target holds it; `attributes` use the target's own names (Zendesk user fields). */
export interface TargetUser {
  /** The target's id, as text (Zendesk ids are integers). */
  readonly id: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** false once the user is deleted in the target (Zendesk `active: false`). */
  readonly active: boolean;
  /** true when the target's own disable state is on (Zendesk `suspended`). */
  readonly disabled: boolean;
  /** A label for logs (name and email). */
  readonly displayName: string;
  /**
   * Set when the target account depends on this user (Zendesk: the account owner): why provisio
   * must never match, change or delete it (docs/provisioning.md, "Protected objects").
   */
  readonly protection?: string;
}

/** Desired attribute values after the target's own conversion (e.g. a role name → role + custom_role_id). */
export interface PreparedAttributes {
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Problems found while converting, by attribute (e.g. an unknown role name). */
  readonly problems: readonly {
    readonly attribute: string;
    readonly message: string;
    /** A code of the target connector's error catalogue (e.g. `UnknownRole`). */
    readonly code: ErrorCode;
  }[];
}

/**
 * A custom attribute the target account defines on its users (Zendesk: a custom user field,
 * https://developer.zendesk.com/api-reference/ticketing/users/user_fields/), mapped as
 * `user_fields.<key>`.
 */
export interface TargetUserField {
  /** The field's key: the mapping target is `user_fields.<key>`. */
  readonly key: string;
  /** Its name for people. */
  readonly title: string;
  /** The target's own type name (Zendesk: text, textarea, checkbox, date, integer, decimal, regexp, dropdown, multiselect, lookup). */
  readonly type: string;
  readonly active: boolean;
}

/**
 * The target user the connector's own credentials belong to (Zendesk: the admin behind the API
 * token, `GET /api/v2/users/me`). provisio never writes to it: suspending, downgrading or deleting it
 * would lock provisio out of the target (docs/provisioning.md, "The credentials' owner").
 */
/** One single sign-on configuration of the target account, in neutral words. */
export interface SignOnConfiguration {
  readonly id: string;
  readonly name: string;
  /** The protocol: a JSON Web Token signed with a shared secret, SAML or OpenID Connect. */
  readonly protocol: 'jwt' | 'saml' | 'oidc' | 'other';
  readonly active: boolean;
  /** Used for the account's staff (Zendesk: team members) and its end users. */
  readonly staff: boolean;
  readonly endUsers: boolean;
  /** Where the target sends people to sign in, and to sign out. */
  readonly remoteLoginUrl: string | null;
  readonly remoteLogoutUrl: string | null;
  /** The first characters of the shared secret, as the target shows them (never the whole secret). */
  readonly secretPrefix: string | null;
}

export interface CredentialOwner {
  /** The target's id of that user. */
  readonly targetId: string;
  /** A label for logs (name and email). */
  readonly displayName: string;
  /**
   * The values by which the target itself would find this user when asked to create one (Zendesk's
   * create-or-update matches by email and external id), normalised as `matchKey` does: attribute →
   * key. A create carrying one of them would update the owner instead.
   */
  readonly keys: Readonly<Record<string, string>>;
}

/** How to deprovision a user, chosen in `settings.deprovision`. */
export type DeprovisionPolicy = 'suspend' | 'downgrade-and-suspend' | 'delete' | 'none';

/**
 * One write, keyed by the source id so results map back. `current` is the target user as provisio
 * knows it (its target mirror) when the action was planned: a connector may compute the user after
 * the write from it and the changes instead of reading the user back (docs/zendesk-limits.md).
 * Absent when provisio does not know the user; the connector then reads it.
 */
export type TargetAction =
  | {
      readonly kind: 'create';
      readonly key: string;
      /** Prepared attributes (see `prepare`). */
      readonly attributes: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'update';
      readonly key: string;
      readonly targetId: string;
      /** Only the attributes that change. */
      readonly changes: Readonly<Record<string, unknown>>;
      readonly current?: TargetUser;
    }
  | {
      /** Deprovision without deleting: suspend, or downgrade to end-user then suspend. */
      readonly kind: 'disable';
      readonly key: string;
      readonly targetId: string;
      readonly policy: 'suspend' | 'downgrade-and-suspend';
      readonly current?: TargetUser;
    }
  | {
      /** Lift the suspension and apply `changes` (may be empty) in the same write. */
      readonly kind: 'reactivate';
      readonly key: string;
      readonly targetId: string;
      readonly changes: Readonly<Record<string, unknown>>;
      readonly current?: TargetUser;
    }
  | {
      readonly kind: 'delete';
      readonly key: string;
      readonly targetId: string;
      readonly current?: TargetUser;
    };

export type TargetActionKind = TargetAction['kind'];

/** The outcome of one action. A failure of one action never stops the others. */
export type TargetActionResult =
  | {
      readonly key: string;
      readonly ok: true;
      /** The target user after the write (for `delete`, as last seen with `active: false`). */
      readonly user: TargetUser;
      /** The request(s) that carried the action, e.g. `POST /api/v2/users/create_or_update_many (job V3-…)`. */
      readonly request: string;
      /**
       * A `create` the target carried out by updating a user it already held (Zendesk's
       * create-or-update found the e-mail or external id): the user was adopted, not created.
       */
      readonly matched?: boolean;
    }
  | { readonly key: string; readonly ok: false; readonly error: ConnectorError };

export interface TargetProgress {
  readonly done: number;
  readonly total: number;
}

export interface TargetConnector {
  /** The target system, for the provisioning log (e.g. Zendesk and the account's host). */
  readonly system: SystemInfo;
  /** Checks credentials, admin rights and the account; never throws. */
  testConnection(): Promise<ConnectionCheck>;
  /**
   * Who the connector's credentials belong to in the target (null when they belong to no user),
   * kept in the saved state and read again with `loadUsers`. Throws `ConnectorFailure`.
   */
  credentialOwner(): Promise<CredentialOwner | null>;
  /**
   * The custom user fields the account defines, in the account's order (the admin API lists them
   * among the target attributes of a job's synchronization schema). Throws `ConnectorFailure`.
   */
  describeUserFields(): Promise<readonly TargetUserField[]>;
  /**
   * The account's single sign-on configurations (Zendesk: remote authentications), for checking
   * that sign-in points at provisio's bridge (docs/single-sign-on.md). Absent when the target has
   * no such notion. Throws `ConnectorFailure`.
   */
  signOnConfigurations?(): Promise<readonly SignOnConfiguration[]>;
  /**
   * Reads every (non-deleted) user in bulk for the local target index: cursor pages of 100, never
   * one request per user. Also loads what `prepare` needs (custom roles).
   */
  loadUsers(onProgress?: (read: number) => void): Promise<readonly TargetUser[]>;
  /**
   * Users changed in the target since the previous call (Zendesk incremental export); the first call
   * after `loadUsers` starts from its time. Lets an incremental cycle see edits made in Zendesk
   * without re-reading everything.
   */
  loadChangedUsers(): Promise<readonly TargetUser[]>;
  /**
   * The target users that creating users with these (prepared) attributes would update instead,
   * because the target's own create matches an existing user (Zendesk's create-or-update: by
   * external id or e-mail address), looked up in as few requests as the target allows and in a
   * bounded number (a user it did not look up simply stays unknown). An incremental cycle asks for
   * the creates the target mirror found no candidate for, so that a user made in the target after
   * provisio last read it is planned as the match it is (docs/provisioning.md, "Ownership"). Absent
   * when the target's creates never match. Throws `ConnectorFailure`.
   */
  findUsers?(creates: readonly Readonly<Record<string, unknown>>[]): Promise<readonly TargetUser[]>;
  /**
   * Takes back what `saveState` returned at the end of an earlier cycle (null: nothing yet), in
   * whichever process or worker the next cycle runs: where the change export stands, the role
   * catalogue `prepare` needs, which bulk endpoints the account refuses.
   */
  restoreState(state: string | null): void;
  /**
   * Attributes the target holds beside the mapped ones that provisio manages (Zendesk: the role,
   * the custom role, the suspension): a change to one of them outside provisio is drift to reconcile.
   */
  readonly driftAttributes: readonly string[];
  /** The connector's state to keep between cycles: opaque to the engine, never a secret. */
  saveState(): string | null;
  /**
   * Converts mapped values (target attribute → value, as the mappings produce them) into what the
   * target stores, so they can be compared with a `TargetUser`'s attributes. Pure once loaded.
   */
  prepare(mapped: Readonly<Record<string, unknown>>): PreparedAttributes;
  /**
   * Whether writing `changes` (prepared attributes that differ) to `current` lowers what the user
   * may do in the target (Zendesk: an admin or agent given a lesser role). The engine holds such
   * downgrades back beyond `settings.downgradeThreshold` (docs/provisioning.md, "The accidental-deletion
   * threshold"); a target without roles answers false.
   */
  reducesPrivileges(current: TargetUser, changes: Readonly<Record<string, unknown>>): boolean;
  /** Whether two values of an attribute are the same for the target (e.g. emails ignore case). */
  same(attribute: string, desired: unknown, current: unknown): boolean;
  /**
   * Normalises a value of a matching attribute for the local index (any attribute the configuration
   * marks as matching, dotted names for nested fields): e.g. trims, lower-cases e-mails and external
   * ids, turns numbers into text; null when there is no usable value.
   */
  matchKey(attribute: string, value: unknown): string | null;
  /**
   * Carries out actions with as few requests as it can (bulk endpoints, job polling), paced by the
   * target's rate limits; returns one result per action, in any order.
   */
  apply(
    actions: readonly TargetAction[],
    onProgress?: (progress: TargetProgress) => void,
  ): Promise<readonly TargetActionResult[]>;
}

// ---- Groups, memberships, roles (issue "part 2") -------------------------------------------------

export interface TargetGroup {
  readonly id: string;
  /** name, description, is_public, … */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly displayName: string;
  /**
   * Set when the target account depends on this group (Zendesk: the account's default group, which
   * every new agent joins and which cannot be deleted): why provisio must never match, change or
   * delete it (docs/provisioning.md, "Protected objects").
   */
  readonly protection?: string;
}

export interface TargetMembership {
  readonly id: string;
  readonly userId: string;
  readonly groupId: string;
}

export type TargetGroupAction =
  | { readonly kind: 'create'; readonly key: string; readonly attributes: Readonly<Record<string, unknown>> }
  | {
      readonly kind: 'update';
      readonly key: string;
      readonly targetId: string;
      readonly changes: Readonly<Record<string, unknown>>;
    }
  /** Zendesk's group delete is a soft delete. */
  | { readonly kind: 'delete'; readonly key: string; readonly targetId: string };

export type TargetGroupActionResult =
  | { readonly key: string; readonly ok: true; readonly group: TargetGroup; readonly request: string }
  | { readonly key: string; readonly ok: false; readonly error: ConnectorError };

export type TargetMembershipAction =
  | { readonly kind: 'add'; readonly key: string; readonly userId: string; readonly groupId: string }
  | { readonly kind: 'remove'; readonly key: string; readonly membershipId: string };

export type TargetMembershipActionResult =
  | {
      readonly key: string;
      readonly ok: true;
      /** The membership after an add (absent after a remove). */
      readonly membership?: TargetMembership;
      readonly request: string;
    }
  | { readonly key: string; readonly ok: false; readonly error: ConnectorError };

/** A role the target account offers (for role import into the source application). */
export interface TargetRole {
  /** As shown to people, e.g. "Agent", "Light Agent", "Billing Agent". */
  readonly name: string;
  readonly kind: 'end-user' | 'agent' | 'admin' | 'custom';
  readonly description: string;
  /** The custom role id, for custom roles. */
  readonly id?: string;
}

/** What the group pipeline and role import need from the target, beside `TargetConnector`. */
export interface GroupTargetConnector {
  /** Every (non-deleted) group, in bulk. */
  loadGroups(): Promise<readonly TargetGroup[]>;
  /** Every group membership, in bulk (cursor pages of 100). */
  loadMemberships(): Promise<readonly TargetMembership[]>;
  /** The memberships of one group (provisioning one group on demand). */
  loadGroupMemberships(groupId: string): Promise<readonly TargetMembership[]>;
  /** Mapped group values → what the target stores (compare with `TargetGroup.attributes`). */
  prepareGroup(mapped: Readonly<Record<string, unknown>>): PreparedAttributes;
  /** Whether the target allows this user in groups (Zendesk: agents and admins only). */
  canJoinGroups(user: TargetUser): boolean;
  applyGroups(actions: readonly TargetGroupAction[]): Promise<readonly TargetGroupActionResult[]>;
  /** In bulk (create_many / destroy_many of 100 with job polling), one result per action. */
  applyMemberships(
    actions: readonly TargetMembershipAction[],
  ): Promise<readonly TargetMembershipActionResult[]>;
  /** Built-in roles and the account's custom roles (Light Agent included where the plan has them). */
  listRoles(): Promise<readonly TargetRole[]>;
}
