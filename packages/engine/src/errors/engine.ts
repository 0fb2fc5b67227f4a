/**
 * The engine's error catalogue, the expression module's, and the codes the connectors share. Names
 * are Microsoft Entra provisioning's where it has one for the same situation (its provisioning-log
 * error codes:
 * https://learn.microsoft.com/entra/identity/monitoring-health/howto-analyze-provisioning-logs#error-codes),
 * and their public sentences and recommended actions follow Entra's meaning. docs/provisioning.md
 * ("Error codes") lists them all.
 */
import type { ExpressionErrorCode } from '@provisio/expressions';
import {
  defineErrorCatalogue,
  type ErrorCatalogue,
  type ErrorEntry,
  type ErrorInfo,
  type ErrorRegistry,
  mergeErrorCatalogues,
} from './catalogue.js';

export const engineErrors = defineErrorCatalogue('@provisio/engine', {
  // Shared by both connectors: a connector reports these codes, it does not define them again.
  InvalidCredentials: {
    category: 'credentials',
    retryable: false,
    httpStatus: 502,
    publicMessage: 'Entra ID or Zendesk refused the credentials provisio is configured with.',
    recommendedAction:
      'Check the credentials the message names: the Entra tenant id, client id and client secret (renew an expired secret), or the Zendesk admin e-mail and API token with token access enabled. Then test the connection (test-connection) and resume the job (resume).',
  },
  InsufficientRights: {
    category: 'permissions',
    retryable: false,
    httpStatus: 502,
    publicMessage: 'The credentials were accepted, but the request was not authorized.',
    recommendedAction:
      'Grant what the message names: a Microsoft Graph application permission, with admin consent, to the provisioning app in Entra ID; or, in Zendesk, use an admin (some endpoints also depend on the plan). Then test the connection (test-connection).',
  },
  TooManyRequests: {
    category: 'throttling',
    retryable: true,
    httpStatus: 503,
    publicMessage: 'Entra ID or Zendesk kept refusing requests because too many were sent.',
    recommendedAction:
      "None: provisio tries again. If it recurs, other software may share the Zendesk account's API budget or the Entra app registration; give provisio its own.",
  },
  InvalidAnchor: {
    category: 'data',
    retryable: false,
    httpStatus: 404,
    publicMessage:
      'An object provisio created or matched no longer exists in Zendesk (deleted outside provisio).',
    recommendedAction:
      'None: the user is matched or created again when next evaluated, and a group is created again while it is in scope. To match every user again at once, restart the job (restart).',
  },
  InternalError: {
    category: 'internal',
    retryable: true,
    httpStatus: 500,
    publicMessage: 'provisio failed unexpectedly; the details are in its log.',
    recommendedAction: "None: the next cycle tries again. Report it if it recurs, with provisio's log.",
  },
  InvalidConfiguration: {
    category: 'configuration',
    retryable: false,
    httpStatus: 400,
    publicMessage: 'The configuration is not valid; the message lists every problem.',
    recommendedAction:
      'Correct each setting the message lists (docs/configuration.md describes every key), then test the connection (test-connection).',
  },

  // The engine's own: decisions and safety.
  EntrySynchronizationSkipped: {
    category: 'skipped',
    retryable: false,
    httpStatus: 200,
    publicMessage: 'The object is out of scope and was never provisioned, so nothing was done.',
    recommendedAction:
      'None. If it should be provisioned, assign it to the application or adjust the scoping filters; the reason names the rule.',
  },
  RedundantExport: {
    category: 'skipped',
    retryable: false,
    httpStatus: 200,
    publicMessage: 'The object is already in sync: nothing to write.',
    recommendedAction: 'None.',
  },
  ImportSkipped: {
    category: 'data',
    retryable: false,
    httpStatus: 422,
    publicMessage:
      'The user has no value for any matching attribute, so it can be neither matched nor created.',
    recommendedAction:
      'Give the user a value for the matching attribute (e.g. userPrincipalName), or change the matching attributes.',
  },
  DuplicateTargetEntries: {
    category: 'data',
    retryable: false,
    httpStatus: 409,
    publicMessage: 'More than one Zendesk object has the matching value.',
    recommendedAction:
      'Merge or delete the duplicates in Zendesk, or make the matching attribute (for groups, the name) unique.',
  },
  AttributeMappingFailed: {
    category: 'data',
    retryable: false,
    httpStatus: 422,
    publicMessage: "An attribute mapping's expression failed for this object.",
    recommendedAction:
      "Fix the expression or the source value the message names; evaluate the expression with the object's values to see why (expr-eval).",
  },
  MembershipExportFailed: {
    category: 'data',
    retryable: false,
    httpStatus: 422,
    publicMessage: "Some of the group's membership changes failed.",
    recommendedAction:
      "See each member's error in the group's log entry (EntryExportUpdateMembers); failed changes are tried again in the next cycle.",
  },
  CredentialOwnerProtected: {
    category: 'safety',
    retryable: false,
    httpStatus: 409,
    publicMessage:
      'The user owns the credentials provisio uses for Zendesk, so provisio did not change, suspend or delete them.',
    recommendedAction:
      "Give provisio the credentials of another Zendesk admin (target.adminUsername, and an API token that admin may use) before this person's Zendesk account is suspended or removed, then restart the job (restart) so the user is provisioned like any other. If the change in Entra ID is a mistake, undo it there.",
  },
  ProtectedObject: {
    category: 'safety',
    retryable: false,
    httpStatus: 409,
    publicMessage:
      'The Zendesk object is one the account itself depends on (its default group, or a user named in settings.protectedUsers such as the account owner), so provisio neither matches, changes nor deletes it.',
    recommendedAction:
      'None: provisio leaves it alone. If an Entra ID object matches it by name or e-mail, rename one of them or narrow the scope (scoping filters) so that it is not evaluated; to manage a user again, remove it from settings.protectedUsers.',
  },
  AdoptedObjectKept: {
    category: 'safety',
    retryable: false,
    httpStatus: 409,
    publicMessage:
      'provisio matched this Zendesk object instead of creating it, so it does not delete it (settings.adoptedObjects.delete is false).',
    recommendedAction:
      'None if the object should stay. To let provisio delete objects it adopted, set settings.adoptedObjects.delete to true; to stop managing one object, unlink it (docs/operations.md, "Unlinking an object").',
  },
  Unlinked: {
    category: 'safety',
    retryable: false,
    httpStatus: 409,
    publicMessage: 'An operator unlinked this object: provisio no longer manages it, nor matches it again.',
    recommendedAction:
      'None. To manage it again, restart the job (restart) with the option that forgets links (--full): every link and unlink is forgotten, and the next cycle matches or creates again.',
  },
  TooManyDeletes: {
    category: 'safety',
    retryable: false,
    httpStatus: 409,
    publicMessage:
      'The cycle would deprovision users and groups, downgrade roles or remove memberships beyond the accidental-deletion thresholds (settings.accidentalDeletionThreshold, downgradeThreshold, membershipRemovalThreshold), so those actions were staged, not done.',
    recommendedAction:
      'If the deprovisioning is intended, allow the staged deletions (allow-deletes); if not, fix the cause (assignments, scoping filters) and restart the job (restart). The provisioning log lists what was staged (logs-staged).',
  },
  JobLeaseHeld: {
    category: 'conflict',
    retryable: false,
    httpStatus: 409,
    publicMessage: "Another provisio worker runs this job's cycles.",
    recommendedAction:
      'Stop the other worker first, or wait: its lease ends by itself when the worker stops renewing it.',
  },
  JobLeaseLost: {
    category: 'conflict',
    retryable: true,
    httpStatus: 409,
    publicMessage:
      "The job's lease was taken by another worker while this cycle ran; the cycle stopped before its next write.",
    recommendedAction:
      'None: the worker that holds the job now runs its cycles. If it recurs, look for two workers whose clocks disagree or that cannot reach the state store.',
  },
  Interrupted: {
    category: 'transient',
    retryable: true,
    httpStatus: 500,
    publicMessage: 'The process stopped during this cycle; the next cycle picked up its changes.',
    recommendedAction:
      'None: the next cycle is an initial cycle, which re-reads the target and finds what this one wrote.',
  },
});

/** The engine's codes, each mapped to itself: `EngineErrorCode.TooManyDeletes`. */
export const EngineErrorCode = engineErrors.codes;
export type EngineErrorCode = keyof typeof EngineErrorCode;

const syntax = (publicMessage: string, recommendedAction: string): ErrorEntry => ({
  category: 'configuration',
  retryable: false,
  httpStatus: 400,
  publicMessage,
  recommendedAction,
});
const runtime = (publicMessage: string, recommendedAction: string): ErrorEntry => ({
  category: 'data',
  retryable: false,
  httpStatus: 422,
  publicMessage,
  recommendedAction,
});

/**
 * The expression module's codes (`@provisio/expressions`, errors.ts), described here because that
 * module is pure and knows nothing of categories or HTTP. `satisfies` keeps this list complete.
 * In a cycle they appear inside `InvalidConfiguration` (a mapping or filter that does not compile)
 * and `AttributeMappingFailed` (an expression that failed for one object); alone, in expression
 * tests (`expr-eval`) and the admin API. docs/expressions.md explains the language.
 */
export const expressionErrors = defineErrorCatalogue('@provisio/expressions', {
  ExpressionSyntaxError: syntax(
    'The expression is not valid.',
    'Correct it at the line and column the message gives (docs/expressions.md, "Syntax").',
  ),
  ExpressionTooLong: syntax(
    'The expression is longer than 10,000 characters, which Entra refuses too.',
    'Shorten it, e.g. with Switch instead of nested IIF calls.',
  ),
  UnknownFunction: syntax(
    'The expression calls a function that does not exist.',
    'Use a function of the list in docs/expressions.md; names are case-sensitive.',
  ),
  WrongArgumentCount: syntax(
    'A function is given too few or too many arguments.',
    'Give the function the arguments docs/expressions.md lists for it.',
  ),
  InvalidArgument: runtime(
    'A function was given a value it cannot use.',
    'Fix the argument or the source value the message names.',
  ),
  FunctionEvaluationError: runtime(
    "A function failed for this object's values (e.g. SingleAppRoleAssignment with two roles).",
    'Fix the source value, or make the expression handle it.',
  ),
  InvalidRegex: syntax(
    'A regular expression is not valid, or uses a construct the safe engine refuses (lookaround, backreferences).',
    'Rewrite the pattern without the construct the message names (patterns run on RE2).',
  ),
  NoUniqueValue: runtime(
    'SelectUniqueValue found every candidate already taken in Zendesk.',
    'Add another candidate expression to SelectUniqueValue.',
  ),
  InvalidScopingFilter: syntax(
    'A scoping filter clause is not valid (operator, number or type of values).',
    'Correct the clause the message names (docs/expressions.md, "Scoping filters").',
  ),
  InvalidMapping: syntax(
    'An attribute mapping is not valid (e.g. a Direct mapping without a source attribute).',
    'Correct the mapping the message names (docs/mappings.md).',
  ),
} satisfies Record<ExpressionErrorCode, ErrorEntry>);

/**
 * Any code of a catalogue. The engine knows its own and the expression module's; a connector's
 * codes are checked in the connector (`ConnectorError<ZendeskErrorCode>`), so here any string is
 * accepted beside the known ones.
 */
export type ErrorCode = EngineErrorCode | ExpressionErrorCode | (string & {});

/** The catalogues the engine can see. The full registry adds the connectors' (see the command). */
export const engineErrorCatalogues: readonly ErrorCatalogue[] = [engineErrors, expressionErrors];

/** The engine's and the expression module's codes. */
export const engineErrorRegistry: ErrorRegistry = mergeErrorCatalogues(engineErrorCatalogues);

/** The description of a code, from the engine's registry unless another is given. */
export function lookupError(
  code: string,
  registry: ErrorRegistry = engineErrorRegistry,
): ErrorInfo | undefined {
  return registry.lookup(code);
}
