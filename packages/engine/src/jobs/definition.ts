/**
 * A job definition: everything one provisioning job needs, as plain JSON that can be stored,
 * exported and imported (docs/configuration.md#job-definitions). It never holds a secret: the Entra
 * client secret and the Zendesk API token are references (`{ "secretRef": "env:ZENDESK_TOKEN" }`)
 * that a `SecretProvider` resolves when a command needs them. Installation-wide settings (the state
 * store, the SMTP server) are not part of it.
 *
 * Field-level rules live in the schema (zod), so that one `safeParse` reports every malformed field;
 * the rules that span fields, and the mappings and scoping filters, are checked by `compile.ts` in
 * the same pass.
 */
import { z } from 'zod';
import { parseDuration } from '../config/duration.js';

/** A job id: the key of everything the job keeps in the state store, chosen once and never derived. */
export const jobIdPattern = /^[A-Za-z0-9._-]{1,100}$/;
export const jobIdSchema = z
  .string({ error: 'must be the job id: letters, digits, ".", "_" and "-" (at most 100)' })
  .regex(jobIdPattern, 'may hold letters, digits, ".", "_" and "-" (at most 100)');

/**
 * A secret reference: `<scheme>:<name>`. `env:NAME` names an environment variable of the process
 * that runs the job; other schemes belong to other secret providers (the CLI says which it serves).
 */
export const secretReferencePattern = /^([a-z][a-z0-9-]*):(\S+)$/;

export const secretRefSchema = z.strictObject({
  secretRef: z
    .string()
    .regex(
      secretReferencePattern,
      'must be "<provider>:<name>", e.g. "env:ZENDESK_TOKEN" (an environment variable)',
    ),
});

/** `{ "secretRef": "env:NAME" }`: where a secret comes from, never its value. */
export type SecretRef = z.output<typeof secretRefSchema>;

/** The scheme of a well-formed reference (`env` for `env:NAME`). */
export function secretScheme(reference: string): string | undefined {
  return secretReferencePattern.exec(reference)?.[1];
}

const secretField = (what: string, variable: string) =>
  z.strictObject(secretRefSchema.shape, {
    error: (issue) =>
      issue.code === 'invalid_type'
        ? `must be a reference to ${what}, e.g. { secretRef: "env:${variable}" }: a job definition never holds the secret itself`
        : undefined,
  });

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guidText = (what: string) =>
  z.string().trim().regex(guid, `must be a GUID (the ${what}), e.g. 8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f`);
/**
 * Whether a URL's host is this machine (127.0.0.0/8, ::1, localhost): the only hosts a secret may be
 * sent to over plain http:// (a local emulator). Anything else would carry the Zendesk admin's e-mail
 * and API token in clear text.
 */
export function isLoopbackUrl(value: string): boolean {
  try {
    const host = new URL(value).hostname.toLowerCase().replace(/^\[|\]$/g, '');
    return (
      host === 'localhost' ||
      host.endsWith('.localhost') ||
      host === '::1' ||
      /^127(\.\d{1,3}){3}$/.test(host)
    );
  } catch {
    return false;
  }
}

const httpsUrl = z
  .string()
  .trim()
  .url('must be a URL such as https://example.com')
  .refine(
    (value) => /^https:\/\//i.test(value) || (/^http:\/\//i.test(value) && isLoopbackUrl(value)),
    'must start with https:// (http:// only for a local emulator on 127.0.0.1, ::1 or localhost: the API token would otherwise cross the network in clear text)',
  );

// Entra's token and Graph endpoints are HTTPS only (the emulator serves HTTPS too).
const strictHttpsUrl = z
  .string()
  .trim()
  .url('must be a URL such as https://login.microsoftonline.com')
  .refine((value) => /^https:\/\//i.test(value), 'must start with https://');

export const sourceDefinitionSchema = z.strictObject({
  type: z.literal('entra', { error: 'must be "entra" (the only source so far)' }),
  tenantId: guidText('directory (tenant) ID of your Entra tenant'),
  clientId: guidText('application (client) ID of the provisio app registration'),
  clientSecret: secretField('the client secret of the app registration', 'ENTRA_CLIENT_SECRET'),
  servicePrincipalId: guidText('object ID of the Zendesk enterprise application'),
  authorityHost: strictHttpsUrl.optional(),
  graphBaseUrl: strictHttpsUrl.optional(),
  /** A PEM file of extra certificate authorities to trust (a TLS-inspecting proxy, or the emulator). */
  caCertificateFile: z.string().min(1).optional(),
  /**
   * Extra certificate authorities to trust, as PEM text (not a secret): what a job created through
   * the admin API holds, so that the definition is whole wherever it runs (docs/api.md#secrets).
   * Trusted together with `caCertificateFile` when both are set.
   */
  caCertificate: z
    .string()
    .trim()
    .max(100_000, 'must be at most 100,000 characters of PEM')
    .regex(
      /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/,
      'must be one or more PEM certificates ("-----BEGIN CERTIFICATE-----" … "-----END CERTIFICATE-----")',
    )
    .optional(),
});

/** The Zendesk subdomain: letters, digits and hyphens, so that it can never name another host. */
export const zendeskDomainPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

export const targetDefinitionSchema = z
  .strictObject({
    type: z.literal('zendesk', { error: 'must be "zendesk" (the only target so far)' }),
    adminUsername: z
      .string()
      .trim()
      .email('must be the e-mail address of a Zendesk admin ("Admin Username")'),
    secretToken: secretField('a Zendesk API token ("Secret Token")', 'ZENDESK_TOKEN'),
    domain: z
      .string()
      .trim()
      .regex(
        zendeskDomainPattern,
        'must be the bare Zendesk subdomain (letters, digits and hyphens), e.g. "example" for https://example.zendesk.com',
      ),
    baseUrl: httpsUrl.optional(),
  })
  // The domain is checked with a base URL too: a Zendesk host in the base URL names the account, and
  // it must be the one `domain` names (docs/configuration.md#target-zendesk-support).
  .superRefine((target, ctx) => {
    if (target.baseUrl === undefined) return;
    const account = zendeskAccountOf(target.baseUrl);
    if (account !== undefined && account !== target.domain.trim().toLowerCase())
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message: `names the Zendesk account "${account}" (${account}.zendesk.com) but target.domain is "${target.domain.trim()}": make target.domain and target.baseUrl name the same account, or remove target.baseUrl (https://<domain>.zendesk.com is the default)`,
      });
  });

/** The subdomain a `https://<subdomain>.zendesk.com` URL names; undefined for any other host. */
export function zendeskAccountOf(url: string): string | undefined {
  try {
    return /^([a-z0-9-]+)\.zendesk\.com$/.exec(new URL(url).hostname.toLowerCase())?.[1];
  } catch {
    return undefined;
  }
}

export const actionSchema = z.enum(['create', 'update', 'delete']);

/** The least time between cycles. */
export const MIN_INTERVAL_MS = 1000;
/**
 * The most: 24 days, below the longest delay a Node.js timer holds (2^31 - 1 ms, about 24.8 days;
 * https://nodejs.org/api/timers.html#settimeoutcallback-delay-args), beyond which it would fire at
 * once and run cycles back to back.
 */
export const MAX_INTERVAL_MS = 24 * 86_400_000;

/** The default `settings.interval`: near real time. */
export const DEFAULT_INTERVAL = 'PT5S';
/** The default `settings.idleInterval` (when the interval is shorter). */
export const DEFAULT_IDLE_INTERVAL_MS = 15_000;

/** An ISO-8601 duration from MIN_INTERVAL_MS to MAX_INTERVAL_MS. */
const durationSetting = z.string().refine(
  (text) => {
    const ms = parseDuration(text) ?? 0;
    return ms >= MIN_INTERVAL_MS && ms <= MAX_INTERVAL_MS;
  },
  {
    error: (issue) =>
      `"${String(issue.input)}" is not an ISO-8601 duration from 1 s to 24 days (P24D), e.g. PT5S, PT40M or PT1H`,
  },
);

/**
 * The idle back-off's longest wait in milliseconds: `settings.idleInterval`, or 15 s (the interval
 * when that is longer: no back-off for a job that asks for a slow schedule).
 */
export function idleIntervalMs(settings: {
  readonly interval: string;
  readonly idleInterval?: string | undefined;
}): number {
  const interval = parseDuration(settings.interval) ?? Number.NaN;
  if (settings.idleInterval !== undefined) return parseDuration(settings.idleInterval) ?? Number.NaN;
  return Math.max(interval, DEFAULT_IDLE_INTERVAL_MS);
}

export const settingsSchema = z
  .strictObject({
    /** `assigned`: users assigned to the application; `all`: every user in the tenant. */
    scope: z.enum(['assigned', 'all']).default('assigned'),
    provisioningStatus: z.enum(['on', 'off']).default('on'),
    /**
     * ISO-8601 duration between cycles: 5 s, near real time (docs/operations.md#the-schedule).
     * Entra's provisioning service runs every 40 minutes: `PT40M` does the same.
     */
    interval: durationSetting.default(DEFAULT_INTERVAL),
    /**
     * The longest wait the idle back-off reaches (cycle/quiet.ts): after a minute of quiet cycles the
     * wait doubles at each further quiet one, up to this. Absent: 15 s, or the interval when that is
     * longer (no back-off). At least `interval`; equal turns the back-off off.
     */
    idleInterval: durationSetting.optional(),
    deprovision: z.enum(['suspend', 'downgrade-and-suspend', 'delete', 'none']).default('suspend'),
    skipOutOfScopeDeletions: z.boolean().default(false),
    /**
     * Zendesk users and groups provisio matched instead of creating ("adopted", docs/provisioning.md,
     * "Ownership"): by default never deleted (a user is suspended where `deprovision` says delete, a
     * group is left in place). `delete: true` deprovisions them like the objects provisio created.
     */
    adoptedObjects: z
      .strictObject({
        delete: z
          .boolean()
          .default(false)
          .describe('true: adopted users and groups are deleted like the ones provisio created'),
      })
      .default({ delete: false }),
    /**
     * Zendesk users provisio never adopts, changes, suspends or deletes, by e-mail address or id: the
     * account owner (Zendesk's API does not say who that is) and any other break-glass admin
     * (docs/provisioning.md, "Protected objects").
     */
    protectedUsers: z
      .array(
        z
          .string()
          .trim()
          .min(1, "must not be empty: a Zendesk user's e-mail address or id")
          // (an empty entry is reported by min alone)
          .refine((entry) => entry === '' || /^[0-9]+$/.test(entry) || z.email().safeParse(entry).success, {
            error: (issue) =>
              `"${String(issue.input)}" is neither an e-mail address nor a Zendesk user id (digits), e.g. owner@example.com or 360012345678`,
          }),
      )
      .max(100, 'lists at most 100 users: protect the account owner and your break-glass admins only')
      .default([]),
    /**
     * `skip` (the Zendesk tutorial: "Users with the Default Access role are excluded from
     * provisioning") or `provision` (Entra's generic rule since 2020: evaluated like any role).
     */
    defaultAccess: z.enum(['skip', 'provision']).default('skip'),
    /**
     * Disables plus deletes (users and groups) allowed in one cycle; beyond it nothing is
     * deprovisioned, the actions are staged and the job is quarantined (TooManyDeletes). 0 turns it off.
     */
    accidentalDeletionThreshold: z.number().int().min(0, 'must be 0 (off) or more').default(500),
    /**
     * Role downgrades (the target says which role changes lower privileges; Zendesk: admin or agent to
     * a lesser role) allowed in one cycle; beyond it none is made, they are staged and the job is
     * quarantined (TooManyDeletes). 0 turns it off.
     */
    downgradeThreshold: z.number().int().min(0, 'must be 0 (off) or more').default(50),
    /**
     * Membership removals (in groups provisio manages) allowed in one cycle; beyond it none is made,
     * they are staged and the job is quarantined (TooManyDeletes). 0 turns it off.
     */
    membershipRemovalThreshold: z.number().int().min(0, 'must be 0 (off) or more').default(500),
    /** Where quarantine and failure e-mails go (needs the installation's SMTP settings). */
    notificationEmail: z.string().trim().email('must be an e-mail address').optional(),
    /** Also send an e-mail when a cycle has new failures (Entra's "send an email notification when a failure occurs"). */
    sendEmailOnFailure: z.boolean().default(false),
    /** Flatten nested groups: members of member groups become members of the Zendesk group. */
    expandNestedGroups: z.boolean().default(false),
    /**
     * The longest time between two reads of every app-role assignment (a sweep). Between sweeps a
     * cycle reads only new users' assignments and the members who joined or left an assigned group;
     * a direct assignment added to or removed from an existing user is seen at the next sweep
     * (docs/provisioning.md, "How assignment changes are found"). Small applications sweep every cycle.
     */
    assignmentSweepInterval: durationSetting.default('PT5M'),
    /**
     * Graph requests a minute spent on sweeps between the intervals: a sweep is also due once the
     * time since the last one pays for it at this rate (60: every 5 s at 2,000 assignments, every
     * 104 s at 100,000); 0 sweeps by the interval only.
     */
    assignmentSweepRequestsPerMinute: z
      .number({ error: 'must be a number of Graph requests a minute, from 0 to 6000 (default 60)' })
      .min(0, 'must be 0 (sweep by assignmentSweepInterval only) or more')
      .max(6000, 'must be at most 6000 Graph requests a minute')
      .default(60),
  })
  .superRefine((settings, ctx) => {
    if (settings.idleInterval === undefined) return;
    const interval = parseDuration(settings.interval);
    const idle = parseDuration(settings.idleInterval);
    if (interval !== null && idle !== null && idle < interval)
      ctx.addIssue({
        code: 'custom',
        path: ['idleInterval'],
        message: `is ${settings.idleInterval}, shorter than settings.interval (${settings.interval}): make settings.idleInterval at least settings.interval (equal to it turns the idle back-off off), or remove it (15 s, or the interval when that is longer)`,
      });
  });

export const userMappingsSchema = z.strictObject({
  enabled: z
    .boolean()
    .refine(
      (enabled) => enabled,
      'the user mapping cannot be disabled (as in Entra): remove the key or set it to true',
    )
    .default(true),
  actions: z.array(actionSchema).default(['create', 'update', 'delete']),
  /** Scoping filters: Graph's `{ groups: [...] }` or a bare list of filter groups (checked by compile). */
  scopingFilters: z.unknown().optional(),
  /** Attribute mappings (friendly or Graph form); omitted → provisio's defaults (docs/mappings.md). */
  attributes: z.array(z.unknown()).optional(),
});

export const groupMappingsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  actions: z.array(actionSchema).default(['create', 'update', 'delete']),
  scopingFilters: z.unknown().optional(),
  /** Group attribute mappings; omitted → displayName → name (matching) and description. */
  attributes: z.array(z.unknown()).optional(),
});

export const mappingsSchema = z.strictObject({
  users: userMappingsSchema.prefault({}),
  groups: groupMappingsSchema.prefault({}),
});

export const jobDefinitionSchema = z.strictObject({
  /** The stable job id, chosen when the job is created (docs/configuration.md#the-job-id). */
  id: jobIdSchema,
  /** A name for people (lists, the console); the id stays the key. */
  displayName: z.string().trim().min(1, 'must not be empty (or leave the key out)').max(200).optional(),
  source: sourceDefinitionSchema,
  target: targetDefinitionSchema,
  settings: settingsSchema.prefault({}),
  mappings: mappingsSchema.prefault({}),
});

/** A validated job definition, defaults applied: what the state store keeps and `jobs export` writes. */
export type JobDefinition = z.output<typeof jobDefinitionSchema>;
/** What a person may write: the defaulted keys may be left out. */
export type JobDefinitionInput = z.input<typeof jobDefinitionSchema>;
export type JobSettings = z.output<typeof settingsSchema>;
export type JobAction = z.output<typeof actionSchema>;

/** Where the secret references sit in a definition. */
export const secretFields = [
  { section: 'source', key: 'clientSecret' },
  { section: 'target', key: 'secretToken' },
] as const;

/**
 * A copy of a definition-shaped value that is safe to show or record: the secret fields keep a
 * well-formed `{ secretRef }` and anything else in them (a value someone put there by mistake)
 * becomes `"[redacted]"`. Audit records go through it.
 */
export function redactSecrets<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const { section, key } of secretFields) {
    const holder = copy[section];
    if (holder === null || typeof holder !== 'object' || !(key in holder)) continue;
    const field = (holder as Record<string, unknown>)[key];
    if (!secretRefSchema.safeParse(field).success) (holder as Record<string, unknown>)[key] = '[redacted]';
  }
  return copy as T;
}
