/**
 * Stage "match": find the target user for a source user. The cached link first; then each matching
 * attribute in precedence order against the local target index, stopping at the first attribute
 * that finds something (docs/mappings.md, "Matching", as Entra's matching attributes:
 * https://learn.microsoft.com/entra/identity/app-provisioning/customize-application-attributes).
 * Pure over the index.
 */
import type { MappingResult } from '@provisio/expressions';
import type { TargetUser } from '../ports/target.js';
import type { TargetIndex } from './target-index.js';

export interface MatchCandidates {
  readonly attribute: string;
  readonly value: string;
  readonly candidates: readonly { readonly id: string; readonly displayName: string }[];
}

export type MatchResult =
  /** The link cached by an earlier cycle still points at a live target user. */
  | { readonly kind: 'linked'; readonly target: TargetUser; readonly tried: readonly MatchCandidates[] }
  /** Found through a matching attribute. */
  | {
      readonly kind: 'matched';
      readonly target: TargetUser;
      readonly attribute: string;
      readonly tried: readonly MatchCandidates[];
    }
  /** No target user has any matching value. */
  | { readonly kind: 'none'; readonly tried: readonly MatchCandidates[] }
  /** Several target users share the first matching value that found anything. */
  | { readonly kind: 'duplicate'; readonly attribute: string; readonly tried: readonly MatchCandidates[] }
  /** The source user has no value for any matching attribute (Entra's ImportSkipped). */
  | { readonly kind: 'noMatchingValue'; readonly tried: readonly MatchCandidates[] };

/**
 * @param linkedTargetId the cached link's target id (a link whose target is gone is ignored, and
 *   the attributes are tried, so that the user is matched again or created anew).
 */
export function matchUser(
  index: TargetIndex,
  mapped: Pick<MappingResult, 'matchingKeys'>,
  linkedTargetId: string | null,
): MatchResult {
  const tried: MatchCandidates[] = [];
  if (linkedTargetId !== null) {
    const target = index.get(linkedTargetId);
    if (target) return { kind: 'linked', target, tried };
  }
  const keys = mapped.matchingKeys.filter((key) => index.canMatchOn(key.target));
  if (keys.length === 0) return { kind: 'noMatchingValue', tried };
  for (const key of keys) {
    const value = Array.isArray(key.value) ? String(key.value[0] ?? '') : String(key.value);
    const found = index.find(key.target, value);
    tried.push({
      attribute: key.target,
      value,
      candidates: found.map((t) => ({ id: t.id, displayName: t.displayName })),
    });
    if (found.length === 1)
      return { kind: 'matched', target: found[0] as TargetUser, attribute: key.target, tried };
    if (found.length > 1) return { kind: 'duplicate', attribute: key.target, tried };
  }
  return { kind: 'none', tried };
}
