/**
 * @provisio/zendesk: a typed Zendesk Support API client (paginator, rate pacing, retries, bulk
 * jobs) and the Zendesk target connector of the provisioning engine.
 */

export {
  describeErrorBody,
  maxResponseChars,
  toConnectorError,
  type ZendeskErrorCode,
  ZendeskHttpError,
  zendeskErrorCodes,
} from './client/errors.js';
export {
  backoffMs,
  type HttpMethod,
  lowWaterMark,
  parseRateLimitHeaders,
  parseRetryAfter,
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
export {
  customRoleSchema,
  identitySchema,
  jobResultSchema,
  jobStatusSchema,
  userSchema,
  type ZendeskCustomRole,
  type ZendeskIdentity,
  type ZendeskJobResult,
  type ZendeskJobStatus,
  type ZendeskUser,
} from './client/schemas.js';
export {
  matchKeyOf,
  normaliseTags,
  prepareAttributes,
  sameValue,
  toTargetUser,
  toUserBody,
} from './connector/attributes.js';
export { ZendeskConfigurationError, type ZendeskTargetOptions } from './connector/options.js';
export { type ItemOutcome, type JobItem, mapJobResults } from './connector/results.js';
export { type CustomRole, normaliseRoleName, resolveRole } from './connector/roles.js';
export { connectionCheckCodes } from './connector/test-connection.js';
export { createZendeskTarget, ZendeskTarget } from './connector/zendesk-target.js';
