/**
 * @provisio/zendesk: the Zendesk Support target connector of the provisioning engine. Its Zendesk
 * API client (`client/`: pacing, retries, pages, bulk jobs) and the connector's parts are internal.
 */

export {
  ZendeskConfigurationError,
  type ZendeskTargetOptions,
} from './connector/options.js';
export { createZendeskTarget, type ZendeskTarget } from './connector/target.js';
export { type ZendeskConnectorError, ZendeskErrorCode, zendeskErrors } from './errors.js';
