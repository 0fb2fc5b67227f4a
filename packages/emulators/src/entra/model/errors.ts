/**
 * Microsoft Graph's error answers, as data: routes throw them, the error handler renders
 * `{"error":{"code","message","innerError":{date,request-id,client-request-id}}}` (the request ids are
 * only known there).
 */
export class GraphError extends Error {
  override readonly name = 'GraphError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const notFound = (id: string): GraphError =>
  new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

export const badRequest = (message: string, code = 'Request_BadRequest'): GraphError =>
  new GraphError(400, code, message);

export const unsupportedQuery = (message = 'Unsupported Query.'): GraphError =>
  new GraphError(400, 'Request_UnsupportedQuery', message);

export const invalidProperty = (property: string, resource: string): GraphError =>
  badRequest(`Invalid value specified for property '${property}' of resource '${resource}'.`);

export const insufficientPrivileges = (): GraphError =>
  new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

export const invalidToken = (message: string): GraphError =>
  new GraphError(401, 'InvalidAuthenticationToken', message, { 'www-authenticate': 'Bearer realm=""' });

export const tooManyRequests = (retryAfterSeconds: number): GraphError =>
  new GraphError(
    429,
    'TooManyRequests',
    'Too many requests are being made. Please retry after the time given in the Retry-After header.',
    { 'retry-after': String(retryAfterSeconds) },
  );

export const conflictingObject = (property: string): GraphError =>
  badRequest(`Another object with the same value for property ${property} already exists.`);
