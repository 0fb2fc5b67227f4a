import type { ConnectorFailure, NetworkFailureInfo } from '@provisio/engine';
import { connectorFailure, EntraErrorCode } from '../errors.js';
import { type GraphOperation, grantPermissionFix, graphOperations } from './permissions.js';
import { graphErrorBody } from './schemas.js';

/** A Graph answer that is not a success, after any retries. */
export interface FailedAnswer {
  readonly status: number;
  /** The body as text (JSON in Graph's error shape, usually). */
  readonly body: string;
  /** `GET /v1.0/users/delta?…`, for the log. */
  readonly request: string;
  /** How many attempts were made (more than one when retried). */
  readonly attempts: number;
}

export interface FailureContext {
  readonly operation: GraphOperation;
  readonly clientId: string;
  /** The permissions of the token that was refused, to say what the app has. */
  readonly roles: readonly string[];
  readonly secrets: readonly string[];
}

/** Graph's `error.code` and `error.message`, when the body has Graph's error shape. */
export function graphErrorOf(body: string): { code: string | null; message: string | null } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { code: null, message: null };
  }
  const parsed = graphErrorBody.safeParse(json);
  if (!parsed.success) return { code: null, message: null };
  return { code: parsed.data.error.code ?? null, message: parsed.data.error.message ?? null };
}

/**
 * Whether Graph refused a delta token because it no longer has its state: 410 Gone, or the
 * `syncStateNotFound` / `resyncRequired` codes (Graph answers these with 400 or 410). The client
 * must start a new round without a token.
 */
export function isExpiredDeltaToken(status: number, body: string): boolean {
  if (status === 410) return true;
  if (status !== 400) return false;
  const code = graphErrorOf(body).code?.toLowerCase() ?? '';
  return code === 'syncstatenotfound' || code === 'resyncrequired' || code === 'syncstateinvalid';
}

/** `Could not find a property named 'foo' on type 'microsoft.graph.user'.` → `foo`. */
export function unknownPropertyOf(message: string | null): string | null {
  return message ? (/Could not find a property named '([^']+)'/.exec(message)?.[1] ?? null) : null;
}

/** `… on type 'microsoft.graph.group'.` → `group`. */
export function unknownPropertyTypeOf(message: string | null): string | null {
  return message ? (/on type 'microsoft\.graph\.([A-Za-z]+)'/.exec(message)?.[1] ?? null) : null;
}

/** The `ConnectorFailure` for a failed Graph answer, with a stable code and what to do about it. */
export function graphFailure(answer: FailedAnswer, ctx: FailureContext): ConnectorFailure {
  const { code, message } = graphErrorOf(answer.body);
  const info = graphOperations[ctx.operation];
  const said = `${answer.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
  const common = { httpStatus: answer.status, request: answer.request, response: answer.body };
  const fail = (detail: Parameters<typeof connectorFailure>[0]) => connectorFailure(detail, ctx.secrets);

  const refusal = answer.status === 403 ? (info.explainRefusal?.(ctx.roles, ctx.clientId) ?? null) : null;
  if (refusal !== null)
    return fail({
      ...common,
      code: EntraErrorCode.InsufficientRights,
      message: `Microsoft Graph refused to ${info.what} (${said}): ${refusal.message}.`,
      retryable: false,
      recommendedAction: refusal.fix,
    });
  if (answer.status === 403)
    return fail({
      ...common,
      code: EntraErrorCode.InsufficientRights,
      message:
        `Microsoft Graph refused to ${info.what} (${said}): the provisioning app needs the application ` +
        `permission ${info.permission} (or ${info.alternatives.join(', ')}); its token grants ${
          ctx.roles.length > 0 ? ctx.roles.join(', ') : 'no application permissions'
        }.`,
      retryable: false,
      recommendedAction: grantPermissionFix(info.permission, ctx.clientId),
    });
  if (answer.status === 401)
    return fail({
      ...common,
      code: EntraErrorCode.InvalidCredentials,
      message: `Microsoft Graph refused the access token even after a new one was requested (${said}).`,
      retryable: false,
      recommendedAction:
        "Check that the Graph base URL belongs to the same cloud as the authority host (the token's audience must be that Graph), and that the provisioning app is enabled.",
    });
  if (answer.status === 429)
    return fail({
      ...common,
      code: EntraErrorCode.TooManyRequests,
      message: `Microsoft Graph kept throttling the requests to ${info.what} (${said}); gave up after ${answer.attempts} attempts.`,
      retryable: true,
      recommendedAction:
        'Nothing to do if it is rare: provisio tries again at the next cycle. If it persists, other software may be using the same app registration; give provisio its own.',
    });
  if (answer.status >= 500)
    return fail({
      ...common,
      code: EntraErrorCode.SourceUnavailable,
      message: `Microsoft Graph could not ${info.what} (${said}${answer.attempts > 1 ? `, after ${answer.attempts} attempts` : ''}).`,
      retryable: true,
      recommendedAction:
        'Usually temporary: provisio tries again at the next cycle. Check the Microsoft 365 service health if it persists.',
    });
  if (answer.status === 404 && ctx.operation === 'readServicePrincipal')
    return fail({
      ...common,
      code: EntraErrorCode.ServicePrincipalNotFound,
      message: `No service principal with the configured id was found (${said}).`,
      retryable: false,
      recommendedAction: servicePrincipalFix,
    });
  const property = answer.status === 400 ? unknownPropertyOf(message) : null;
  if (property !== null) {
    const type = unknownPropertyTypeOf(message) ?? 'user';
    const examples =
      type === 'group' ? 'displayName, description, mailNickname' : 'userPrincipalName, employeeId';
    return fail({
      ...common,
      code: EntraErrorCode.InvalidSourceAttribute,
      message: `Microsoft Graph has no ${type} property named '${property}' (${said}).`,
      retryable: false,
      recommendedAction: `Correct or remove the source attribute '${property}' in the ${type === 'group' ? 'group ' : ''}attribute mappings and scoping filters: source attributes are Microsoft Graph ${type} property names, case as Graph spells them (e.g. ${examples}).`,
    });
  }
  return fail({
    ...common,
    code: EntraErrorCode.UnexpectedSourceResponse,
    message: `Microsoft Graph refused to ${info.what} (${said}).`,
    retryable: false,
    recommendedAction:
      'Check the request and response in the log; this may be a provisio bug worth reporting.',
  });
}

export const servicePrincipalFix =
  'Set servicePrincipalId to the Object ID of the Zendesk enterprise application: Microsoft Entra admin ' +
  'center → Enterprise applications → Zendesk → Overview → Object ID. Not the Application ID, and not ' +
  'the Object ID of the app registration.';

/**
 * What to do about a failed connection to `origin`, configured by `option` (`source.graphBaseUrl`
 * or `source.authorityHost`): the host, port or certificate to fix when trying again cannot help
 * (docs/provisioning.md#retries), the network path when it could.
 */
export function networkFix(failure: NetworkFailureInfo, origin: string, option: string): string {
  const host = new URL(origin).host;
  switch (failure.kind) {
    case 'host-not-found':
      return `Check ${option}: the host ${host} does not resolve (DNS). Leave it unset for the public cloud; otherwise check this server's DNS and proxy settings.`;
    case 'refused':
      return `Nothing accepts connections at ${host}: check the host and port of ${option} (is the emulator running?), and that no firewall or proxy refuses them.`;
    case 'unreachable':
      return `Check this server's network route, firewall and proxy settings towards ${host}.`;
    case 'tls-untrusted':
      return `The certificate of ${host} is not signed by a trusted authority (${failure.code}): if a TLS-inspecting proxy, a private CA or the Entra emulator signs it, trust that CA with source.caCertificateFile (a PEM file) or source.caCertificate (PEM text).`;
    case 'tls-hostname':
      return `The certificate of ${host} is for another host name (${failure.code}): check the host in ${option}; a TLS-inspecting proxy must issue certificates for ${host}.`;
    case 'tls-expired':
      return `The certificate of ${host} has expired or is not yet valid (${failure.code}): check this server's clock; otherwise the certificate (or a TLS-inspecting proxy's) needs renewing.`;
    case 'tls-protocol':
      return `${host} did not complete a TLS handshake (${failure.code}): check that ${option} names an HTTPS endpoint and its port.`;
    default:
      return `Check that ${origin} is reachable from this host (proxy, firewall, DNS); provisio tries again at the next cycle.`;
  }
}
