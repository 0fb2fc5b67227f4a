/**
 * Attribute lookup for scoping filters. Entra attribute names are case-insensitive (`[givenName]` and
 * `[GivenName]` name the same Graph property). The expression evaluator (and so Direct mappings,
 * which evaluate `[source]`) resolves names by the same rule, so a filter and an expression always
 * see the same value for one name.
 */

/** The result of a lookup: `found: false` when no key matches the name in any letter case. */
export type LookupResult = { readonly found: true; readonly value: unknown } | { readonly found: false };

/**
 * Looks `name` up in `attributes`: an exact key wins; otherwise the first key equal to `name` ignoring
 * case (invariant lower-casing, as .NET's OrdinalIgnoreCase does for the ASCII names Graph uses).
 * Own properties only, so `constructor` or `__proto__` never resolve to Object.prototype members.
 */
export function lookupAttribute(attributes: Readonly<Record<string, unknown>>, name: string): LookupResult {
  if (Object.hasOwn(attributes, name)) return { found: true, value: attributes[name] };
  const wanted = name.toLowerCase();
  for (const key of Object.keys(attributes)) {
    if (key.toLowerCase() === wanted) return { found: true, value: attributes[key] };
  }
  return { found: false };
}
