/**
 * @provisio/entra: the Microsoft Entra ID source connector of the provisioning engine, over
 * Microsoft Graph. Its Graph client (`client/`), token provider (`auth/`) and the connector's parts
 * are internal.
 */

export { EntraOptionsError, type EntraSourceOptions, isMicrosoftEndpoint } from './connector/options.js';
export { createEntraSource, type EntraSource } from './connector/source.js';
export { type EntraConnectorError, EntraErrorCode, entraErrors } from './errors.js';
