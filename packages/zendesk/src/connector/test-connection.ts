import { type ConnectionCheck, type ConnectionStep, connectionCheck } from '@provisio/engine';
import { ZendeskHttpError } from '../client/errors.js';
import type { ZendeskHttp } from '../client/http.js';
import { cursorPageSchema, customRolesSchema, meSchema } from '../client/schemas.js';
import { ZendeskErrorCode } from '../errors.js';

const credentialsFix =
  'Admin Username must be the email address of an active, verified Zendesk admin, and Secret Token an active API token ' +
  '(Admin Center > Apps and integrations > APIs > Zendesk API; "Token access" must be enabled on the Settings tab).';

const step = (name: string, detail: string): ConnectionStep => ({ name, ok: true, detail });
const failed = (name: string, detail: string, code: ZendeskErrorCode, fix: string): ConnectionStep => ({
  name,
  ok: false,
  detail,
  code,
  fix,
});

/** What a failed request says about the account, the credentials or the network. */
function explain(error: unknown, baseUrl: string, hostLabel: string): ConnectionStep[] {
  if (!(error instanceof ZendeskHttpError)) {
    return [
      failed(
        'account',
        `Unexpected error while contacting ${baseUrl}: ${error instanceof Error ? error.message : String(error)}`,
        ZendeskErrorCode.InternalError,
        'Try again; if it persists, report it with this message.',
      ),
    ];
  }
  const reached = step('account', `reached ${baseUrl}`);
  if (error.code === ZendeskErrorCode.ZendeskNetworkError) {
    if (error.networkCode === 'ENOTFOUND' || error.networkCode === 'EAI_AGAIN') {
      return [
        failed(
          'account',
          `The host ${hostLabel} was not found (DNS): ${error.message}`,
          ZendeskErrorCode.HostNotFound,
          'Check the Domain: it is only the subdomain, "acme" for https://acme.zendesk.com. Also check DNS and proxy settings of this server.',
        ),
      ];
    }
    // A refused port or an untrusted certificate names its own fix (client/errors.ts networkFix).
    return [
      failed(
        'account',
        error.message,
        ZendeskErrorCode.ZendeskNetworkError,
        error.recommendedAction ??
          'Check that this server can reach Zendesk over HTTPS (firewall, proxy), then try again.',
      ),
    ];
  }
  switch (error.status) {
    case 404:
      return [
        failed(
          'account',
          `${baseUrl} answered 404 Not Found: there is no Zendesk account with this subdomain.`,
          ZendeskErrorCode.UnknownSubdomain,
          'Check the Domain: it is only the subdomain, "acme" for https://acme.zendesk.com.',
        ),
      ];
    case 401:
      return [
        reached,
        failed(
          'credentials',
          `Zendesk did not accept the credentials (401 "Couldn't authenticate you").`,
          ZendeskErrorCode.InvalidCredentials,
          credentialsFix,
        ),
      ];
    case 403:
      return [
        reached,
        failed(
          'credentials',
          `Zendesk refused access (403): ${error.response ?? ''}`.trim(),
          ZendeskErrorCode.InsufficientRights,
          'Check IP restrictions of the Zendesk account and that the admin is not suspended.',
        ),
      ];
    case 429:
      return [
        reached,
        failed(
          'credentials',
          error.message,
          ZendeskErrorCode.TooManyRequests,
          'The account has used its API budget for now; try again in a minute.',
        ),
      ];
    default:
      if (error.status !== undefined && error.status >= 500) {
        return [
          reached,
          failed(
            'credentials',
            error.message,
            ZendeskErrorCode.ZendeskInternalServerError,
            'Zendesk is unavailable; try again later (status.zendesk.com).',
          ),
        ];
      }
      return [
        failed(
          'account',
          error.message,
          ZendeskErrorCode.ZendeskUnexpectedResponse,
          'Check that Domain (or the base URL) points at a Zendesk Support account.',
        ),
      ];
  }
}

/**
 * The connection test: account reachable, credentials accepted, the user is an admin, users can be
 * read, and whether custom roles are available. Stops at the first failing step; never throws.
 */
export async function checkConnection(http: ZendeskHttp, hostLabel: string): Promise<ConnectionCheck> {
  const steps: ConnectionStep[] = [];
  const done = (): ConnectionCheck => connectionCheck(steps);
  try {
    let me: (typeof meSchema)['_output'];
    try {
      me = await http.request('GET', '/api/v2/users/me', { schema: meSchema });
    } catch (error) {
      steps.push(...explain(error, http.baseUrl, hostLabel));
      return done();
    }
    steps.push(step('account', `reached ${http.baseUrl}`));
    const user = me.user;
    if (user.id === null) {
      // GET /api/v2/users/me answers 200 with the anonymous user (id null) to credentials it does not
      // accept (https://developer.zendesk.com/api-reference/ticketing/users/users/#show-self).
      steps.push(
        failed(
          'credentials',
          `Zendesk answered as "${user.name ?? 'Anonymous user'}": the admin username or the API token was not accepted (or token access is disabled).`,
          ZendeskErrorCode.InvalidCredentials,
          credentialsFix,
        ),
      );
      return done();
    }
    const who = `${user.name ?? 'user'} <${user.email ?? 'no email'}>`;
    steps.push(step('credentials', `authenticated as ${who}`));
    if (user.role !== 'admin') {
      steps.push(
        failed(
          'admin rights',
          `${who} is ${user.role === 'agent' ? 'an agent' : `an ${user.role ?? 'unknown role'}`}, not an admin: provisioning needs an admin (bulk deletes, roles, incremental export).`,
          ZendeskErrorCode.NotAnAdmin,
          'Use the email address of a Zendesk admin as Admin Username (any admin works with the account API token).',
        ),
      );
      return done();
    }
    steps.push(step('admin rights', 'the user is an admin'));
    // provisio never writes to the user its own credentials belong to (docs/provisioning.md, "The
    // credentials' owner"): say so before a cycle skips them.
    steps.push(
      step(
        "credentials' owner",
        `${who} (Zendesk user ${user.id}) owns the API token provisio uses: provisio never suspends, downgrades, renames or deletes this user, even when they leave scope in Entra ID (the cycle skips them and warns)`,
      ),
    );

    try {
      await http.request('GET', '/api/v2/users', { query: { 'page[size]': 1 }, schema: cursorPageSchema });
      steps.push(step('read users', 'users can be listed (cursor pagination)'));
    } catch (error) {
      const [, last] = explain(error, http.baseUrl, hostLabel);
      steps.push({
        ...(last ?? failed('read users', String(error), ZendeskErrorCode.ZendeskNetworkError, 'Try again.')),
        name: 'read users',
      });
      return done();
    }

    try {
      const roles = await http.request('GET', '/api/v2/custom_roles', { schema: customRolesSchema });
      const names = roles.custom_roles.map((r) => r.name);
      steps.push(
        step(
          'custom roles',
          names.length > 0
            ? `${names.length} custom roles can be assigned: ${names.join(', ')}`
            : 'the account has no custom roles; End-user, Agent and Admin can be assigned',
        ),
      );
    } catch (error) {
      if (error instanceof ZendeskHttpError && error.status === 403) {
        steps.push(
          step(
            'custom roles',
            'custom roles are not available on this plan (they need Enterprise); End-user, Agent and Admin can be assigned',
          ),
        );
      } else {
        const [, last] = explain(error, http.baseUrl, hostLabel);
        steps.push({
          ...(last ??
            failed('custom roles', String(error), ZendeskErrorCode.ZendeskNetworkError, 'Try again.')),
          name: 'custom roles',
        });
      }
    }
    return done();
  } catch (error) {
    steps.push(
      failed(
        'account',
        `Unexpected error: ${error instanceof Error ? error.message : String(error)}`,
        ZendeskErrorCode.InternalError,
        'Try again; if it persists, report it with this message.',
      ),
    );
    return done();
  }
}
