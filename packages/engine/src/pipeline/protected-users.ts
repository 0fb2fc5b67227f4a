/**
 * Users named in `settings.protectedUsers` (docs/provisioning.md, "Protected objects"): the account
 * owner, whom Zendesk's API does not name ("admins can delete all users except the account owner":
 * https://developer.zendesk.com/api-reference/ticketing/users/users/#delete-user), and any other
 * break-glass admin. The target index marks them protected, exactly as the connector marks the
 * objects the account depends on, so the plan never matches, links, changes, suspends or deletes
 * them and the membership plan never adds or removes them. Pure.
 */
import { EngineErrorCode, engineErrors } from '../errors/engine.js';
import type { SystemInfo } from '../ports/common.js';
import type { TargetConnector, TargetUser } from '../ports/target.js';
import type { PlannedUser } from './plan.js';

/** Why a named user is protected; the plan's reason reads "Zendesk user 7 (…) is <this>; …". */
export const namedProtection = 'named in settings.protectedUsers (e.g. the account owner)';

/** The attribute an entry that is not an id is compared with (the target's e-mail address). */
const emailAttribute = 'email';

interface Named {
  readonly ids: ReadonlySet<string>;
  /** E-mail addresses as `matchKey` normalises them. */
  readonly emails: ReadonlySet<string>;
}

function named(entries: readonly string[], target: Pick<TargetConnector, 'matchKey'>): Named {
  const ids = new Set<string>();
  const emails = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim();
    if (/^[0-9]+$/.test(entry)) ids.add(entry);
    else {
      const key = target.matchKey(emailAttribute, entry);
      if (key !== null) emails.add(key);
    }
  }
  return { ids, emails };
}

/**
 * A function that marks the users `entries` name (a target id, or an e-mail address compared as
 * the target compares e-mails), and returns every other user as it is: a user the connector
 * already marked keeps its own reason. With no entries, the identity.
 */
export function protectNamedUsers(
  entries: readonly string[],
  target: Pick<TargetConnector, 'matchKey'>,
): (user: TargetUser) => TargetUser {
  const { ids, emails } = named(entries, target);
  if (ids.size === 0 && emails.size === 0) return (user) => user;
  return (user) => {
    if (user.protection !== undefined) return user;
    const email = target.matchKey(emailAttribute, user.attributes[emailAttribute]);
    const isNamed = ids.has(user.id) || (email !== null && emails.has(email));
    return isNamed ? { ...user, protection: namedProtection } : user;
  };
}

/**
 * A function that holds back a create carrying the e-mail address of a named user the target index
 * does not hold (made in the target after provisio last read it): the target's create-or-update
 * would update that user instead (Zendesk:
 * https://developer.zendesk.com/api-reference/ticketing/users/users/#create-or-update-many-users).
 * The plan becomes a `ProtectedObject` skip, as for a named user the index holds. Every other plan
 * is returned as it is.
 */
export function protectNamedCreates(
  entries: readonly string[],
  target: Pick<TargetConnector, 'matchKey'> & { readonly system: SystemInfo },
): (planned: PlannedUser) => PlannedUser {
  const { emails } = named(entries, target);
  return (planned) => {
    if (planned.action?.kind !== 'create' || emails.size === 0) return planned;
    const email = target.matchKey(emailAttribute, planned.action.attributes[emailAttribute]);
    if (email === null || !emails.has(email)) return planned;
    const system = target.system.displayName;
    const reason = `provisio would create ${planned.displayName}, and ${system} would update its user with the e-mail address ${email} instead, which is ${namedProtection}; provisio never matches, changes, suspends or deletes it, so nothing is sent for ${planned.displayName}.`;
    const { newLink: _newLink, linkState: _linkState, ...rest } = planned;
    return {
      ...rest,
      action: null,
      provisioningAction: 'other',
      status: 'skipped',
      modifiedProperties: [],
      description: `Skipped: ${reason}`,
      error: {
        code: EngineErrorCode.ProtectedObject,
        reason,
        recommendedAction: engineErrors.info(EngineErrorCode.ProtectedObject).recommendedAction,
      },
    };
  };
}
