/**
 * The target port: what the engine needs from the application it provisions (Zendesk Support).
 * The Zendesk connector (`@provisio/zendesk`) implements it.
 */
import type { ConnectionCheck, ConnectorError } from './common.js';

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
}

/** Desired attribute values after the target's own conversion (e.g. a role name → role + custom_role_id). */
export interface PreparedAttributes {
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Problems found while converting, by attribute (e.g. an unknown role name). */
  readonly problems: readonly {
    readonly attribute: string;
    readonly message: string;
    readonly code: string;
  }[];
}

/** How to deprovision a user, chosen in `settings.deprovision`. */
export type DeprovisionPolicy = 'suspend' | 'downgrade-and-suspend' | 'delete' | 'none';

/** One write, keyed by the source id so results map back. */
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
    }
  | {
      /** Deprovision without deleting: suspend, or downgrade to end-user then suspend. */
      readonly kind: 'disable';
      readonly key: string;
      readonly targetId: string;
      readonly policy: 'suspend' | 'downgrade-and-suspend';
    }
  | {
      /** Lift the suspension and apply `changes` (may be empty) in the same write. */
      readonly kind: 'reactivate';
      readonly key: string;
      readonly targetId: string;
      readonly changes: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'delete'; readonly key: string; readonly targetId: string };

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
    }
  | { readonly key: string; readonly ok: false; readonly error: ConnectorError };

export interface TargetProgress {
  readonly done: number;
  readonly total: number;
}

export interface TargetConnector {
  /** Checks credentials, admin rights and the account; never throws. */
  testConnection(): Promise<ConnectionCheck>;
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
   * Converts mapped values (target attribute → value, as the mappings produce them) into what the
   * target stores, so they can be compared with a `TargetUser`'s attributes. Pure once loaded.
   */
  prepare(mapped: Readonly<Record<string, unknown>>): PreparedAttributes;
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
