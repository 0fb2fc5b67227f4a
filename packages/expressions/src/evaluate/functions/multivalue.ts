/**
 * Functions over multi-valued attributes: Count, Item, Join, RemoveDuplicates, Split, as Microsoft's
 * expression reference describes them
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data;
 * "the doc" below). A single value counts as a list of one; null as a list of none.
 */
import type { FunctionName } from '../../functions/signatures.js';
import { integer, textOrEmpty } from '../coerce.js';
import { type FunctionBuilder, strict } from '../runtime.js';
import { type Item, isList, itemText, type Value } from '../values.js';

function itemsOf(value: Value): readonly Item[] {
  if (value === null) return [];
  return isList(value) ? value : [value];
}

export const multiValueFunctions = {
  /** "The number of elements in a multi-valued attribute": 0 when absent, 1 for a single value. */
  Count: strict(([attribute = null]) => itemsOf(attribute).length),

  /**
   * Item(attribute, index) is 1-based: "Item([proxyAddresses], 1) returns the first item … Index 0
   * shouldn't be used." An index outside 1…Count gives null (no item) rather than an error, so a
   * missing second address reads like an absent attribute.
   */
  Item: strict(([attribute = null, indexArg = null]) => {
    const index = integer(indexArg, 'Item', 'index');
    const items = itemsOf(attribute);
    if (index < 1 || index > items.length) return null;
    return items[index - 1] ?? null;
  }),

  /**
   * Join(separator, source1, …): every value of a multi-valued source is joined; empty and null
   * sources are skipped, with no dangling separator [derived from the doc example
   * `Join(", ", "", [surname], [givenName])` → "Doe, John"].
   */
  Join: strict(([separatorArg = null, ...sources]) => {
    const separator = textOrEmpty(separatorArg, 'Join', 'separator');
    const parts: string[] = [];
    for (const source of sources) {
      for (const item of itemsOf(source)) {
        const part = itemText(item);
        if (part !== '') parts.push(part);
      }
    }
    return parts.join(separator);
  }),

  /**
   * Keeps the first occurrence of each value, in order. Values are compared exactly (case-sensitive),
   * as the language compares strings elsewhere (Switch, Replace).
   */
  RemoveDuplicates: strict(([attribute = null]) => {
    if (!isList(attribute)) return attribute;
    const seen = new Set<string>();
    const kept: Item[] = [];
    for (const item of attribute) {
      const key = `${typeof item}:${itemText(item)}`;
      if (!seen.has(key)) {
        seen.add(key);
        kept.push(item);
      }
    }
    return Object.freeze(kept);
  }),

  /**
   * Split(source, delimiter): a plain split on the delimiter text, nothing trimmed. The doc's example shows
   * "PermissionSetOne, PermissionSetTwo" giving "PermissionSetTwo" without its leading space, which we take
   * for a slip in the example: the rule is "splits a string into a multi-valued array, using the specified
   * delimiter", so " PermissionSetTwo" keeps its space (docs/expressions.md, section 8). An empty delimiter
   * leaves the string whole (as .NET's String.Split does).
   */
  Split: strict(([source = null, delimiterArg = null]) => {
    const delimiter = textOrEmpty(delimiterArg, 'Split', 'delimiter');
    if (source === null) return null;
    const parts: string[] = [];
    for (const item of itemsOf(source)) {
      const input = itemText(item);
      parts.push(...(delimiter === '' ? [input] : input.split(delimiter)));
    }
    return Object.freeze(parts);
  }),
} satisfies Partial<Record<FunctionName, FunctionBuilder>>;
