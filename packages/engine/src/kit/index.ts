/**
 * Helpers the connectors share: reading `Retry-After`, cutting response bodies to the port's length,
 * describing schema problems. Nothing here names a vendor or a vendor's API.
 */
export { describeIssues, issueLines, type SchemaIssue } from './issues.js';
export { parseRetryAfter } from './retry-after.js';
export { maxResponseChars, truncate } from './truncate.js';
