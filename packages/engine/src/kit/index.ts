/**
 * Helpers the connectors share: reading `Retry-After`, cutting response bodies to the port's length,
 * describing schema problems, classifying failed connections (what is worth retrying). Nothing here names a vendor or a vendor's API.
 */
export { connectionCheck } from './connection.js';
export { describeIssues, issueLines, type SchemaIssue } from './issues.js';
export {
  classifyNetworkError,
  type NetworkFailureInfo,
  type NetworkFailureKind,
} from './network.js';
export { parseRetryAfter } from './retry-after.js';
export { maxResponseChars, truncate } from './truncate.js';
