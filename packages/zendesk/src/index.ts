/**
 * @provisio/zendesk: a typed Zendesk Support API client (paginator, rate pacing, retries, bulk
 * jobs) and the Zendesk target connector of the provisioning engine.
 */

export {
  describeErrorBody,
  type ErrorSubject,
  type GroupRuleViolation,
  groupRuleViolation,
  toConnectorError,
  ZendeskHttpError,
} from './client/errors.js';
export {
  type HttpMethod,
  lowWaterMark,
  parseRateLimitHeaders,
  type Query,
  type RateLimitInfo,
  type RequestOptions,
  realSleep,
  type Sleep,
  ZendeskHttp,
  type ZendeskHttpOptions,
} from './client/http.js';
export { BulkJobs, type BulkJobsOptions, isTerminal, terminalJobStatuses } from './client/jobs.js';
export { collect, type Page, type PageStyle, type PaginateRequest, paginate } from './client/paginate.js';
export { backoffMs } from './client/retry.js';
export {
  customRoleSchema,
  groupMembershipSchema,
  groupSchema,
  identitySchema,
  jobResultSchema,
  jobStatusSchema,
  userSchema,
  type ZendeskCustomRole,
  type ZendeskGroup,
  type ZendeskGroupMembership,
  type ZendeskIdentity,
  type ZendeskJobResult,
  type ZendeskJobStatus,
  type ZendeskUser,
} from './client/schemas.js';
export {
  matchKeyOf,
  normaliseTags,
  parseZendeskId,
  prepareAttributes,
  sameValue,
  toTargetUser,
  toUserBody,
} from './connector/attributes.js';
export {
  canJoinGroups,
  groupFields,
  prepareGroupAttributes,
  toGroupBody,
  toTargetGroup,
} from './connector/groups.js';
export {
  type MembershipItem,
  type MembershipOutcome,
  membershipProblem,
} from './connector/memberships.js';
export { ZendeskConfigurationError, type ZendeskTargetOptions } from './connector/options.js';
export {
  type JobItem,
  type JobItemOutcome,
  mapJobResults,
  type PlacementKey,
  placeJobResults,
} from './connector/results.js';
export {
  builtInRoles,
  type CustomRole,
  normaliseRoleName,
  resolveRole,
  toTargetRoles,
} from './connector/roles.js';
export { createZendeskTarget, type ZendeskTarget } from './connector/target.js';
export {
  type ZendeskConnectorError,
  ZendeskErrorCode,
  zendeskErrors,
} from './errors.js';
