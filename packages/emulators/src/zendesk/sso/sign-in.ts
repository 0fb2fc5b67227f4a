import { ZendeskApiError } from '../model/errors.js';
import type { ZendeskStore } from '../model/store.js';
import type { UserRecord } from '../model/types.js';
import { createUser, makeIdentityPrimary, updateUser } from '../model/users.js';
import type { SsoConfiguration } from './config.js';
import { type JwtClaims, type Refusal, refuse } from './jwt.js';

export interface SignedIn {
  readonly ok: true;
  readonly user: UserRecord;
  readonly created: boolean;
}

const isTeamMember = (user: UserRecord): boolean => user.role === 'agent' || user.role === 'admin';

/**
 * Finds, creates or updates the user a verified token names, as Zendesk's JWT sign-in does
 * (https://support.zendesk.com/hc/en-us/articles/4408845838874, "Enabling JWT single sign-on"):
 * - `external_id` is matched first, then the email (any email identity of the user);
 * - a user nobody matches is created as an end user with the claims' name, email and external id;
 * - the claims update the profile: the name; the primary email when matched by external id; the external
 *   id when matched by email and the user has none, or always with "update external IDs" on
 *   (Remote Authentications API, `update_external_ids`).
 * Every change goes through the model functions the Users API uses (so `updated_at` moves and the
 * incremental export sees it). Users signed in through SSO are verified, as Zendesk marks them.
 */
export function signIn(
  store: ZendeskStore,
  configuration: SsoConfiguration,
  claims: JwtClaims,
): SignedIn | Refusal {
  const byExternalId = claims.externalId === null ? undefined : store.userByExternalId(claims.externalId);
  const byEmail = store.userByEmail(claims.email);
  const existing = byExternalId ?? byEmail;

  if (!existing) {
    // A new user is an end user: the configuration must serve end users.
    if (!configuration.endUsers) return refuse(403, 'JWT single sign-on is not enabled for end users');
    return attempt(() => {
      const user = createUser(store, {
        name: claims.name,
        email: claims.email,
        ...(claims.externalId === null ? {} : { external_id: claims.externalId }),
        verified: true,
      });
      return { ok: true, user, created: true };
    });
  }

  if (existing.suspended) return refuse(403, 'User is suspended');
  if (existing.shared) return refuse(403, 'Shared users cannot sign in to this account');
  if (isTeamMember(existing) ? !configuration.teamMembers : !configuration.endUsers) {
    return refuse(
      403,
      `JWT single sign-on is not enabled for ${isTeamMember(existing) ? 'team members' : 'end users'}`,
    );
  }
  if (byExternalId && byEmail && byEmail.id !== byExternalId.id) {
    return refuse(403, `Email ${claims.email} is already being used by another user`);
  }

  return attempt(() => {
    const input: Record<string, unknown> = {};
    if (existing.name !== claims.name) input['name'] = claims.name;
    if (!existing.verified) input['verified'] = true;
    if (
      claims.externalId !== null &&
      !byExternalId &&
      (existing.externalId === null || configuration.updateExternalIds)
    ) {
      input['external_id'] = claims.externalId;
    }
    // Matched by external id with another address: that address becomes the primary email (added first
    // as an identity when the user does not have it yet).
    const primary = store.primaryEmail(existing.id);
    const changesEmail = byExternalId !== undefined && primary?.toLowerCase() !== claims.email.toLowerCase();
    if (changesEmail && !byEmail) input['email'] = claims.email;
    if (Object.keys(input).length > 0) updateUser(store, existing, input);
    if (changesEmail) {
      const identity = store
        .identitiesOf(existing.id)
        .find((i) => i.type === 'email' && i.value.toLowerCase() === claims.email.toLowerCase());
      if (identity) {
        identity.verified = true;
        makeIdentityPrimary(store, existing, identity);
      }
    }
    return { ok: true, user: existing, created: false };
  });
}

/** Runs a model change; a refusal by the model (validation, shared user) becomes a sign-in refusal. */
function attempt(change: () => SignedIn): SignedIn | Refusal {
  try {
    return change();
  } catch (error) {
    if (error instanceof ZendeskApiError)
      return refuse(403, `The user cannot be signed in: ${error.detailsText}`);
    throw error;
  }
}
