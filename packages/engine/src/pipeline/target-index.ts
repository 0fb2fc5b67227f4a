/**
 * The local index of the target, filled in bulk by the target connector, so that matching never costs
 * one search request per user. Lookups by id and by each matching attribute of the configuration
 * (values normalised by the connector: e-mails and external ids ignore case). A dotted name such as
 * `user_fields.employee_number` reads a nested value.
 */
import type { TargetUser } from '../ports/target.js';

/** The value of a possibly dotted attribute name. */
export function attributeValue(attributes: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(attributes, name)) return attributes[name];
  let value: unknown = attributes;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The users a change export returned that need their Entra users evaluated again: unknown to the
 * index, no longer active, disabled or enabled in the target, or different from what the index holds
 * in one of the `watched` attributes (the mapped ones and the connector's drift attributes; dotted
 * names such as `user_fields.cost_center` compare the nested value). The export also returns
 * provisio's own recent writes, which the index already has, and edits of attributes provisio does
 * not manage: neither is drift.
 */
export function driftedUsers(
  changed: readonly TargetUser[],
  known: (id: string) => TargetUser | undefined,
  watched: readonly string[],
): TargetUser[] {
  const picked = (user: TargetUser) =>
    JSON.stringify(watched.map((name) => attributeValue(user.attributes, name) ?? null));
  return changed.filter((user) => {
    const before = known(user.id);
    return (
      before === undefined ||
      !user.active ||
      before.disabled !== user.disabled ||
      picked(before) !== picked(user)
    );
  });
}

export class TargetIndex {
  /** The users as read or written (what the target mirror stores). */
  readonly #raw = new Map<string, TargetUser>();
  /** The same users as the plan sees them: marked protected where `#protect` says so. */
  readonly #byId = new Map<string, TargetUser>();
  readonly #byKey = new Map<string, Map<string, Set<string>>>();
  /** The matching attributes the index keys users by. */
  readonly attributes: readonly string[];
  readonly #key: (attribute: string, value: unknown) => string | null;
  #protect: (user: TargetUser) => TargetUser = (user) => user;
  /**
   * false: the index holds only the users a cycle asked for (its links' targets, the users a create
   * would match), not the whole target mirror; a user it lacks may still be in the mirror.
   */
  readonly complete: boolean;

  constructor(
    attributes: readonly string[],
    key: (attribute: string, value: unknown) => string | null,
    complete = true,
  ) {
    this.attributes = attributes;
    this.#key = key;
    this.complete = complete;
    for (const attribute of attributes) this.#byKey.set(attribute, new Map());
  }

  /** The stored form of a match key: the attribute and the value as the target compares it (null: none). */
  storedKey(attribute: string, value: unknown): string | null {
    const key = this.#key(attribute, value);
    return key === null ? null : `${attribute}\u001f${key}`;
  }

  /** Every stored key of a user (saved with it in the target mirror). */
  keysOf(user: TargetUser): string[] {
    const keys: string[] = [];
    for (const attribute of this.attributes) {
      const key = this.storedKey(attribute, attributeValue(user.attributes, attribute));
      if (key !== null) keys.push(key);
    }
    return keys;
  }

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): TargetUser | undefined {
    return this.#byId.get(id);
  }

  /**
   * Marks users protected from now on (pipeline/protected-users.ts): every user held now and put
   * later passes through `protect`, which replaces the previous marking (a cycle's settings may
   * name other users than the one that filled a cached index).
   */
  protectWith(protect: (user: TargetUser) => TargetUser): void {
    this.#protect = protect;
    for (const [id, user] of this.#raw) this.#byId.set(id, protect(user));
  }

  /** Adds or replaces users (a deleted user, `active: false`, is removed). */
  put(users: Iterable<TargetUser>): void {
    for (const user of users) {
      this.remove(user.id);
      if (!user.active) continue;
      this.#raw.set(user.id, user);
      this.#byId.set(user.id, this.#protect(user));
      for (const attribute of this.attributes) {
        const key = this.#key(attribute, attributeValue(user.attributes, attribute));
        if (key === null) continue;
        const keys = this.#byKey.get(attribute) as Map<string, Set<string>>;
        const ids = keys.get(key);
        if (ids) ids.add(user.id);
        else keys.set(key, new Set([user.id]));
      }
    }
  }

  remove(id: string): void {
    const existing = this.#byId.get(id);
    if (!existing) return;
    this.#byId.delete(id);
    this.#raw.delete(id);
    for (const attribute of this.attributes) {
      const key = this.#key(attribute, attributeValue(existing.attributes, attribute));
      if (key === null) continue;
      const ids = this.#byKey.get(attribute)?.get(key);
      ids?.delete(id);
      if (ids?.size === 0) this.#byKey.get(attribute)?.delete(key);
    }
  }

  /** Users whose `attribute` equals `value` (as the target compares it). */
  find(attribute: string, value: unknown): TargetUser[] {
    const key = this.#key(attribute, value);
    if (key === null) return [];
    const ids = this.#byKey.get(attribute)?.get(key);
    return ids ? [...ids].map((id) => this.#byId.get(id) as TargetUser) : [];
  }

  canMatchOn(attribute: string): boolean {
    return this.#byKey.has(attribute);
  }
}
