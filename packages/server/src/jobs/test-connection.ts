/**
 * Test Connection (docs/api.md#provisioning-page): the job's connectors opened with the saved
 * credentials, or with given ones laid over them (nothing saved), and each side's
 * `testConnection()` run. Graph's `validateCredentials` answers the result as 204 or 400;
 * provisio's `POST /provisio/v1/jobs/{jobId}/testConnection` explains every check.
 */
import {
  ConfigError,
  type ConnectionStep,
  type ConnectionTestResult,
  type TargetConnector,
  testJobConnection,
} from '@provisio/engine';
import type { ServerContext } from '../context.js';
import { ApiError } from '../http/errors.js';
import { remoteLoginUrlOf, zendeskSignOnStatus } from '../sso/status.js';
import type { CatalogJob } from './catalog.js';
import { buildDefinition, invalidDefinition, problemDetails } from './configure.js';
import {
  isCredentialKey,
  loadSecretValues,
  parseSecretPairs,
  type SecretKey,
  type SecretValues,
  valuesSecretProvider,
} from './credentials.js';

export interface TestedConnection {
  readonly result: ConnectionTestResult;
  /** When the job's single sign-on is on: whether Zendesk's JWT sign-in sends people to its bridge. */
  readonly singleSignOn?: ConnectionStep;
  /** The credential values tested (saved and given), to keep out of any message. */
  readonly secretValues: readonly string[];
}

/**
 * Tests the job's connection with the saved credentials and `given` over them. A 400 `ApiError`
 * names every value that is not valid, the keys still missing, or what keeps the job from opening.
 */
export async function testCredentials(
  context: ServerContext,
  job: CatalogJob,
  given: readonly { readonly key: string; readonly value: string }[],
): Promise<TestedConnection> {
  const values: Partial<Record<SecretKey, string>> = {
    ...(await loadSecretValues(context.store, context.vault, job.servicePrincipalId)),
  };
  if (given.length > 0) {
    const parsed = parseSecretPairs(given, { allowCustomEndpoints: context.options.allowCustomEndpoints });
    if (parsed.problems.length > 0)
      throw new ApiError(
        400,
        `The credentials are not valid: ${parsed.problems.map((p) => p.message).join('; ')}.`,
        {
          details: parsed.problems.map((p) => ({ code: 'InvalidValue', target: p.key, message: p.message })),
        },
      );
    for (const key of parsed.removed) delete values[key];
    for (const [key, value] of parsed.set) values[key] = value;
  }
  const built = buildDefinition(job, values);
  if (built.kind === 'incomplete')
    throw new ApiError(
      400,
      `Credentials are missing: ${built.missing.join(', ')}. Save them with PUT /v1.0/servicePrincipals/${job.servicePrincipalId}/synchronization/secrets, or pass them in "credentials".`,
      {
        code: 'CredentialsMissing',
        details: built.missing.map((key) => ({
          code: 'CredentialsMissing',
          target: key,
          message: `${key} is missing: give it or save it first.`,
        })),
      },
    );
  if (built.kind === 'invalid') throw invalidDefinition(job.jobId, built.problems);
  let opened: Awaited<ReturnType<ServerContext['runtime']['open']>>;
  try {
    opened = await context.runtime.open(
      built.definition,
      valuesSecretProvider(job.servicePrincipalId, values),
    );
  } catch (error) {
    if (error instanceof ConfigError) {
      const details = problemDetails(error.problems);
      throw new ApiError(
        400,
        `The credentials cannot be tested: ${details.map((d) => d.message).join('; ')}.`,
        {
          details,
        },
      );
    }
    throw error;
  }
  try {
    const email = opened.config.settings.notificationEmail;
    const result = await testJobConnection(opened.deps, {
      mappings: opened.config.users.mappings.mappings,
      ...(email === undefined ? {} : { notificationEmail: email }),
    });
    const singleSignOn =
      values.SsoEnabled?.trim().toLowerCase() === 'true'
        ? await signOnStep(context, job, opened.deps.target, values)
        : undefined;
    return {
      result,
      ...(singleSignOn === undefined ? {} : { singleSignOn }),
      secretValues: credentialValues(values),
    };
  } finally {
    await opened.close();
  }
}

function credentialValues(values: SecretValues): string[] {
  return (Object.entries(values) as [SecretKey, string | undefined][])
    .filter(([key, value]) => isCredentialKey(key) && value !== undefined && value !== '')
    .map(([, value]) => value as string);
}

/** `text` with every credential value replaced by "…" (connectors never echo one: belt and braces). */
export function withoutSecrets(text: string, secretValues: readonly string[]): string {
  let result = text;
  for (const secret of secretValues) if (secret.length >= 4) result = result.split(secret).join('…');
  return result;
}

/**
 * Single sign-on, an optional check (docs/single-sign-on.md#setting-it-up): provisioning runs without
 * it, but sign-in through provisio needs Zendesk's JWT configuration to send people to this job.
 */
async function signOnStep(
  context: ServerContext,
  job: CatalogJob,
  target: TargetConnector,
  values: SecretValues,
): Promise<ConnectionStep> {
  const base = { name: 'single sign-on', level: 'optional' as const };
  const lost =
    "sign-in through provisio: Zendesk does not send people to this job's remote login URL, so they sign in some other way";
  if (target.signOnConfigurations === undefined)
    return { ...base, ok: false, detail: 'The target does not list its sign-on configurations.', lost };
  try {
    const status = zendeskSignOnStatus(
      await target.signOnConfigurations(),
      remoteLoginUrlOf(context.options.publicUrl, job.jobId),
      values.SsoSharedSecret,
      values.SsoSharedSecretPrevious,
    );
    const ok = status.status === 'pointsHere' || status.status === 'rotating';
    return ok
      ? { ...base, ok, detail: status.message }
      : {
          ...base,
          ok,
          detail: status.message,
          code: 'InvalidConfiguration',
          fix: 'Follow docs/single-sign-on.md#setting-it-up, or turn single sign-on off for this job.',
          lost,
        };
  } catch (error) {
    return {
      ...base,
      ok: false,
      detail: `Zendesk's sign-on configurations could not be read (GET /api/v2/remote_authentications, admins only): ${error instanceof Error ? error.message : String(error)}`,
      lost,
    };
  }
}
