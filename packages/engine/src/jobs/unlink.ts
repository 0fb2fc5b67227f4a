/**
 * Unlinking one object (docs/operations.md, "Unlinking an object"): the link between a source user
 * or group and its target object is marked `unlinked`, so that provisio stops managing that target
 * object (no update, suspension, deletion or membership change) and never adopts it again by
 * matching, until a full restart (`restart --full`) forgets every link. Recorded in the audit log.
 */
import type { GroupLinkRecord, LinkRecord } from '../ports/state.js';
import { type OperationDeps, recordAudit } from './operations.js';

export interface UnlinkResult {
  readonly jobId: string;
  readonly objectType: 'user' | 'group';
  readonly sourceId: string;
  readonly targetId: string;
  readonly displayName: string;
  /** Whether provisio had created the target object (false: adopted). */
  readonly created: boolean;
  /** One sentence, as recorded in the audit log. */
  readonly summary: string;
}

/** Why an unlink was refused: nothing matches the query, several objects do, or it is unlinked already. */
export class UnlinkRefused extends Error {
  override readonly name = 'UnlinkRefused';
}

function same(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Unlinks the user or group `query` names: a source object id, a user's userPrincipalName or mail,
 * a group's displayName, or the target object's id. Throws `UnlinkRefused` with the reason.
 */
export async function unlinkObject(
  deps: OperationDeps,
  jobId: string,
  query: string,
  initiatedBy: string,
): Promise<UnlinkResult> {
  const { store } = deps;
  const wanted = query.trim();
  if (wanted === '')
    throw new UnlinkRefused('Name the object to unlink: an object id, a UPN or a Zendesk id.');
  const [links, groupLinks, users, groups] = await Promise.all([
    store.listLinks(jobId),
    store.listGroupLinks(jobId),
    store.listSourceUsers(jobId),
    store.listSourceGroups(jobId),
  ]);
  const userAttributes = new Map(users.map((u) => [u.sourceId, u.attributes]));
  const groupAttributes = new Map(groups.map((g) => [g.sourceId, g.attributes]));
  const userHits = links.filter((link) => {
    const a = userAttributes.get(link.sourceId) ?? {};
    return (
      same(link.sourceId, wanted) ||
      link.targetId === wanted ||
      same(a['userPrincipalName'], wanted) ||
      same(a['mail'], wanted)
    );
  });
  const groupHits = groupLinks.filter((link) => {
    const a = groupAttributes.get(link.sourceId) ?? {};
    return same(link.sourceId, wanted) || link.targetId === wanted || same(a['displayName'], wanted);
  });
  const hits: ({ type: 'user'; link: LinkRecord } | { type: 'group'; link: GroupLinkRecord })[] = [
    ...userHits.map((link) => ({ type: 'user' as const, link })),
    ...groupHits.map((link) => ({ type: 'group' as const, link })),
  ];
  if (hits.length === 0)
    throw new UnlinkRefused(
      `No user or group linked by job ${jobId} matches "${wanted}" (an Entra object id, a UPN or mail, a group name, or a Zendesk id).`,
    );
  if (hits.length > 1)
    throw new UnlinkRefused(
      `"${wanted}" matches ${hits.length} linked objects (${hits.map((h) => `${h.type} ${h.link.displayName} ${h.link.sourceId} → ${h.link.targetId}`).join('; ')}): name one by its Entra object id.`,
    );
  const hit = hits[0] as (typeof hits)[number];
  if (hit.link.state === 'unlinked')
    throw new UnlinkRefused(
      `The ${hit.type} ${hit.link.displayName} (${hit.link.sourceId}) is already unlinked from Zendesk ${hit.type} ${hit.link.targetId}.`,
    );
  const at = deps.clock.now().toISOString();
  if (hit.type === 'user') await store.saveLinks([{ ...hit.link, state: 'unlinked', updatedAt: at }]);
  else await store.saveGroupLinks([{ ...hit.link, state: 'unlinked', updatedAt: at }]);
  // A retry waiting for the object would act on it again: it goes too.
  await store.deleteEscrows(jobId, [{ objectType: hit.type, objectId: hit.link.sourceId }]);
  const summary = `Unlinked ${hit.type} ${hit.link.displayName} (${hit.link.sourceId}) from Zendesk ${hit.type} ${hit.link.targetId}, which provisio ${hit.link.created ? 'had created' : 'had adopted'}: provisio no longer manages it, nor matches it again (restart --full forgets the unlink).`;
  await recordAudit(deps, jobId, {
    activity: 'Unlink object',
    initiatedBy,
    summary,
    details: {
      objectType: hit.type,
      sourceId: hit.link.sourceId,
      targetId: hit.link.targetId,
      created: hit.link.created,
      previousState: hit.link.state,
    },
  });
  return {
    jobId,
    objectType: hit.type,
    sourceId: hit.link.sourceId,
    targetId: hit.link.targetId,
    displayName: hit.link.displayName,
    created: hit.link.created,
    summary,
  };
}
