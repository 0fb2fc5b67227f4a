export { type AadstsAdvice, explainAadsts } from './auth/errors.js';
export { type GraphOperation, graphOperations } from './client/permissions.js';
export { defaultAccessRoleId, defaultAccessRoleName } from './connector/assignments.js';
export {
  defaultGraphBaseUrl,
  EntraOptionsError,
  type EntraSourceOptions,
  graphScope,
} from './connector/options.js';
export { createEntraSource, type EntraSource } from './connector/source.js';
export { type EntraConnectorError, EntraErrorCode, entraErrors } from './errors.js';
