/**
 * Finding the Zendesk users that creates would update instead (docs/provisioning.md, "Ownership:
 * created and adopted objects"). Zendesk's create-or-update finds an existing user by external id or
 * e-mail address (https://developer.zendesk.com/api-reference/ticketing/users/users/#create-or-update-many-users);
 * a user made by hand in the last minute is missing from the change export, so an incremental cycle
 * asks for those users before it sends its creates, and plans a match with real earlier values.
 *
 * External ids: Show Many Users, up to 100 per request
 * (https://developer.zendesk.com/api-reference/ticketing/users/users/#show-many-users). E-mail
 * addresses: Search Users with `email:` (one address per request,
 * https://developer.zendesk.com/api-reference/ticketing/users/users/#search-users), at most
 * `maxSearches` per call, so that a large batch of creates costs a bounded number of requests.
 */
import type { ZendeskHttp } from '../client/http.js';
import { usersEnvelopeSchema, type ZendeskUser } from '../client/schemas.js';
import { matchKeyOf } from './attributes.js';

/** Show Many Users takes up to 100 external ids. */
export const showManyLimit = 100;
/** The longest list of external ids put in one URL (kept well below what proxies accept). */
const maxListLength = 4000;
/** The most single look-ups (e-mail searches, odd external ids) one call makes. */
export const maxSearches = 25;

/** What to ask Zendesk for the users these creates would update. Pure. */
export interface LookupPlan {
  /** Batches for Show Many Users (`external_ids=`), each at most 100 ids and `maxListLength` characters. */
  readonly externalIdBatches: readonly (readonly string[])[];
  /** External ids a comma-separated list cannot carry: looked up one by one (`search?external_id=`). */
  readonly singleExternalIds: readonly string[];
  /** E-mail addresses (as sent), searched only when no user found by external id has them. */
  readonly emails: readonly string[];
}

function text(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const trimmed = String(value).trim();
  return trimmed === '' ? null : trimmed;
}

export function planLookup(creates: readonly Readonly<Record<string, unknown>>[]): LookupPlan {
  const externalIds = new Map<string, string>();
  const emails = new Map<string, string>();
  for (const attributes of creates) {
    const externalId = text(attributes['external_id']);
    if (externalId !== null) externalIds.set(externalId.toLowerCase(), externalId);
    const email = text(attributes['email']);
    if (email !== null) emails.set(email.toLowerCase(), email);
  }
  const batches: string[][] = [];
  const singles: string[] = [];
  let batch: string[] = [];
  let length = 0;
  for (const id of externalIds.values()) {
    if (id.includes(',')) {
      singles.push(id);
      continue;
    }
    const added = encodeURIComponent(id).length + 1;
    if (batch.length === showManyLimit || (batch.length > 0 && length + added > maxListLength)) {
      batches.push(batch);
      batch = [];
      length = 0;
    }
    batch.push(id);
    length += added;
  }
  if (batch.length > 0) batches.push(batch);
  return { externalIdBatches: batches, singleExternalIds: singles, emails: [...emails.values()] };
}

/**
 * Reads the users a plan names: every Show Many batch, then single look-ups up to `maxSearches`
 * (odd external ids first, then the e-mail addresses no user found so far carries). Deleted users
 * are left out (create-or-update does not match them). Throws what the HTTP client throws.
 */
export async function lookUpUsers(http: ZendeskHttp, plan: LookupPlan): Promise<ZendeskUser[]> {
  const found = new Map<number, ZendeskUser>();
  const keep = (users: readonly ZendeskUser[], accept: (user: ZendeskUser) => boolean = () => true) => {
    for (const user of users) if (user.active !== false && accept(user)) found.set(user.id, user);
  };
  for (const batch of plan.externalIdBatches) {
    const answer = await http.request('GET', '/api/v2/users/show_many', {
      query: { external_ids: batch.join(',') },
      schema: usersEnvelopeSchema,
    });
    keep(answer.users);
  }
  let searches = 0;
  for (const externalId of plan.singleExternalIds) {
    if (searches++ >= maxSearches) return [...found.values()];
    const answer = await http.request('GET', '/api/v2/users/search', {
      query: { external_id: externalId },
      schema: usersEnvelopeSchema,
    });
    keep(answer.users);
  }
  const knownEmails = new Set([...found.values()].map((user) => matchKeyOf('email', user.email)));
  for (const email of plan.emails) {
    const key = matchKeyOf('email', email);
    if (key === null || knownEmails.has(key)) continue;
    if (searches++ >= maxSearches) break;
    const answer = await http.request('GET', '/api/v2/users/search', {
      query: { query: `email:"${email.replace(/"/g, '')}"` },
      schema: usersEnvelopeSchema,
    });
    // The search matches words too: only the user whose address is this one.
    keep(answer.users, (user) => matchKeyOf('email', user.email) === key);
  }
  return [...found.values()];
}
