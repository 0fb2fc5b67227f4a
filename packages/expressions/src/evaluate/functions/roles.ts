/**
 * App role functions: SingleAppRoleAssignment, AppRoleAssignmentsComplex and
 * AssertiveAppRoleAssignmentsComplex
 * (https://learn.microsoft.com/entra/identity/app-provisioning/customize-application-attributes,
 * "Provisioning a role to a SCIM app"; the first two also in
 * https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data).
 *
 * `[appRoleAssignments]` holds the user's assignments to this application: AppRoleAssignment objects
 * (whose displayName is the role name the functions return) or plain role-name strings (Graph's
 * provisionOnDemand example shows `appRoleAssignments` as "User"). The same app role reached twice
 * (directly and through a group) is one role: assignments are counted by appRoleId when they have one.
 */
import type { FunctionName } from '../../functions/signatures.js';
import { type FunctionBuilder, fail, strict } from '../runtime.js';
import { type Item, isList, isRole, itemText, type Value } from '../values.js';

/** The distinct role names, in assignment order. */
function roleNames(value: Value): string[] {
  const items: readonly Item[] = value === null ? [] : isList(value) ? value : [value];
  const seen = new Set<string>();
  const names: string[] = [];
  for (const item of items) {
    const name = itemText(item);
    const key =
      isRole(item) && item.assignment.appRoleId !== undefined
        ? `id:${item.assignment.appRoleId}`
        : `name:${name}`;
    if (name === '' || seen.has(key)) continue;
    seen.add(key);
    names.push(name);
  }
  return names;
}

function complex(): FunctionBuilder {
  // "Multiple roles": every assigned role name, as a multi-valued value (empty when none). The
  // add-only versus replace difference between the two functions is in how the target is updated,
  // not in the value.
  return strict(([assignments = null]) => Object.freeze(roleNames(assignments)));
}

export const roleFunctions = {
  /**
   * "Converts the appRoleAssignments object into a single role name string". With two or more roles
   * Entra fails with the message below (GitHub azure-docs #42487, "where" sic). With none — a user in
   * scope through "Default Access" or not assigned — there is no role: null, so the mapping's default
   * value applies.
   */
  SingleAppRoleAssignment: strict(([assignments = null]) => {
    const names = roleNames(assignments);
    if (names.length > 1) {
      return fail(
        'FunctionEvaluationError',
        `An error occured while evaluating this function: 'SingleAppRoleAssignment.' No more than one app role assignment was expected, but this many where found: ${names.length}`,
      );
    }
    return names[0] ?? null;
  }),

  AppRoleAssignmentsComplex: complex(),
  AssertiveAppRoleAssignmentsComplex: complex(),
} satisfies Partial<Record<FunctionName, FunctionBuilder>>;
