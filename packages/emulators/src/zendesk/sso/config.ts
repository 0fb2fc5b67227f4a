import { z } from 'zod';

/**
 * JWT single sign-on configurations of the emulated account, as an admin creates them in Admin Center >
 * Account > Security > Single sign-on (https://support.zendesk.com/hc/en-us/articles/4408845838874).
 * An account may hold several; each is assigned to team members (agents and admins), end users, both or
 * neither, and only one active method serves each audience at a time.
 */
export interface SsoConfiguration {
  readonly id: number;
  name: string;
  /** The HS256 shared secret. Never rendered: the API and control plane show `maskedSecret()`. */
  sharedSecret: string;
  remoteLoginUrl: string;
  remoteLogoutUrl: string | null;
  /** Zendesk's `agent`: used for team members. */
  teamMembers: boolean;
  /** Zendesk's `end_user`: used for end users. */
  endUsers: boolean;
  active: boolean;
  /** Zendesk's `update_external_ids`: a sign-in matched by email replaces the user's external id. */
  updateExternalIds: boolean;
}

export type SsoConfigurationInput = Omit<SsoConfiguration, 'id'>;

/**
 * Zendesk generates 48-character secrets (the `masked_secret` of the Remote Authentications API is 48
 * characters long). The emulator accepts chosen secrets but requires 16 characters at least: HS256 with a
 * shorter secret can be brute-forced offline from a single captured token.
 */
export const minimumSecretLength = 16;
export const maskedSecretLength = 48;

/** Shown by Zendesk's Remote Authentications API: the first 6 characters, then `*` up to 48 characters. */
export function maskedSecret(secret: string): string {
  const visible = secret.slice(0, 6);
  return visible + '*'.repeat(Math.max(0, maskedSecretLength - visible.length));
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export const secretSchema = z
  .string()
  .min(
    minimumSecretLength,
    `must be at least ${minimumSecretLength} characters (Zendesk generates 48; a short HS256 secret can be guessed from one token)`,
  );

export const httpUrlSchema = z
  .string()
  .refine(isHttpUrl, 'must be an absolute http(s) URL, e.g. https://idp.example.com/zendesk/sso');

export const configurationInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(255),
  sharedSecret: secretSchema,
  remoteLoginUrl: httpUrlSchema,
  remoteLogoutUrl: httpUrlSchema.nullable().optional(),
  teamMembers: z.boolean(),
  endUsers: z.boolean(),
  active: z.boolean(),
  updateExternalIds: z.boolean().optional(),
});

export const putBodySchema = z.strictObject({
  configurations: z.array(configurationInputSchema).max(20, 'at most 20 configurations'),
});

/** The emulator option / CLI form: one configuration, active, for both audiences unless told otherwise. */
export interface JwtSsoOption {
  sharedSecret: string;
  remoteLoginUrl: string;
  remoteLogoutUrl?: string | null;
  teamMembers?: boolean;
  endUsers?: boolean;
  name?: string;
  updateExternalIds?: boolean;
}

export interface SsoOptions {
  jwt?: JwtSsoOption;
}

const jwtOptionSchema = z.strictObject({
  sharedSecret: secretSchema,
  remoteLoginUrl: httpUrlSchema,
  remoteLogoutUrl: httpUrlSchema.nullable().optional(),
  teamMembers: z.boolean().optional(),
  endUsers: z.boolean().optional(),
  name: z.string().trim().min(1).optional(),
  updateExternalIds: z.boolean().optional(),
});

export class SsoConfigurationError extends Error {
  override readonly name = 'SsoConfigurationError';
}

export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => `${[prefix, ...i.path].filter((p) => p !== '').join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

/**
 * Zendesk assigns one SSO method to each audience: two active configurations for team members (or for
 * end users) cannot coexist. Returns the problems, naming the configurations by index.
 */
export function audienceConflicts(list: readonly SsoConfigurationInput[]): string[] {
  const problems: string[] = [];
  for (const [flag, audience] of [
    ['teamMembers', 'team members'],
    ['endUsers', 'end users'],
  ] as const) {
    const indices = list.flatMap((c, i) => (c.active && c[flag] ? [i] : []));
    if (indices.length > 1) {
      problems.push(
        `configurations ${indices.map((i) => `[${i}]`).join(', ')}: only one active configuration may be assigned to ${audience} (set active or ${flag} to false on the others)`,
      );
    }
  }
  return problems;
}

/** Normalises control-plane input (optional fields filled in). */
export function normaliseInput(input: z.infer<typeof configurationInputSchema>): SsoConfigurationInput {
  return {
    name: input.name,
    sharedSecret: input.sharedSecret,
    remoteLoginUrl: input.remoteLoginUrl,
    remoteLogoutUrl: input.remoteLogoutUrl ?? null,
    teamMembers: input.teamMembers,
    endUsers: input.endUsers,
    active: input.active,
    updateExternalIds: input.updateExternalIds ?? false,
  };
}

/** The start-up configurations from `options.sso`; throws SsoConfigurationError naming the field. */
export function configurationsFromOptions(options: SsoOptions | undefined): SsoConfigurationInput[] {
  if (options?.jwt === undefined) return [];
  const parsed = jwtOptionSchema.safeParse(options.jwt);
  if (!parsed.success)
    throw new SsoConfigurationError(`invalid sso.jwt option: ${describeIssues(parsed.error, 'sso.jwt')}`);
  const jwt = parsed.data;
  return [
    {
      name: jwt.name ?? 'JWT',
      sharedSecret: jwt.sharedSecret,
      remoteLoginUrl: jwt.remoteLoginUrl,
      remoteLogoutUrl: jwt.remoteLogoutUrl ?? null,
      teamMembers: jwt.teamMembers ?? true,
      endUsers: jwt.endUsers ?? true,
      active: true,
      updateExternalIds: jwt.updateExternalIds ?? false,
    },
  ];
}

/** What `GET /__emulator/sso` shows of a configuration: everything but the secret, which is masked. */
export function describeConfiguration(c: SsoConfiguration): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    maskedSecret: maskedSecret(c.sharedSecret),
    remoteLoginUrl: c.remoteLoginUrl,
    remoteLogoutUrl: c.remoteLogoutUrl,
    teamMembers: c.teamMembers,
    endUsers: c.endUsers,
    active: c.active,
    updateExternalIds: c.updateExternalIds,
  };
}
