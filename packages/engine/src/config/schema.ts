/**
 * The configuration file (`provisio.yaml`): its schema, validated at start-up with every problem
 * listed at once. The result is a plain value object that does not care where it came from (a file
 * today, the state store once the web console edits it).
 */
import { z } from 'zod';

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guidText = (what: string) =>
  z.string().trim().regex(guid, `must be a GUID (the ${what}), e.g. 8f2d7c1e-5b0a-4c3e-9d61-2a7b3c4d5e6f`);
const httpsUrl = z
  .string()
  .trim()
  .url('must be a URL such as https://example.com')
  .refine(
    (value) => /^https?:\/\//i.test(value),
    'must start with https:// (or http:// for a local emulator)',
  );

// Entra's token and Graph endpoints are HTTPS only (the emulator serves HTTPS too).
const strictHttpsUrl = z
  .string()
  .trim()
  .url('must be a URL such as https://login.microsoftonline.com')
  .refine((value) => /^https:\/\//i.test(value), 'must start with https://');

export const sourceSchema = z.strictObject({
  type: z.literal('entra', { error: 'must be "entra" (the only source so far)' }),
  tenantId: guidText('directory (tenant) ID of your Entra tenant'),
  clientId: guidText('application (client) ID of the provisio app registration'),
  clientSecret: z
    .string()
    .min(1, 'must be the client secret of the app registration (use ${ENTRA_CLIENT_SECRET})'),
  servicePrincipalId: guidText('object ID of the Zendesk enterprise application'),
  authorityHost: strictHttpsUrl.optional(),
  graphBaseUrl: strictHttpsUrl.optional(),
  /** A PEM file of extra certificate authorities to trust (a TLS-inspecting proxy, or the emulator). */
  caCertificateFile: z.string().min(1).optional(),
});

export const targetSchema = z.strictObject({
  type: z.literal('zendesk', { error: 'must be "zendesk" (the only target so far)' }),
  adminUsername: z.string().trim().email('must be the e-mail address of a Zendesk admin ("Admin Username")'),
  secretToken: z.string().min(1, 'must be a Zendesk API token ("Secret Token"; use ${ZENDESK_TOKEN})'),
  domain: z
    .string()
    .trim()
    .regex(
      /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i,
      'must be the bare Zendesk subdomain (letters, digits and hyphens), e.g. "example" for https://example.zendesk.com',
    ),
  baseUrl: httpsUrl.optional(),
});

export const actionSchema = z.enum(['create', 'update', 'delete']);

export const settingsSchema = z.strictObject({
  /** `assigned`: users assigned to the application; `all`: every user in the tenant. */
  scope: z.enum(['assigned', 'all']).default('assigned'),
  provisioningStatus: z.enum(['on', 'off']).default('on'),
  /** ISO-8601 duration between incremental cycles. */
  interval: z.string().default('PT40M'),
  deprovision: z.enum(['suspend', 'downgrade-and-suspend', 'delete', 'none']).default('suspend'),
  skipOutOfScopeDeletions: z.boolean().default(false),
  /**
   * `skip` (the Zendesk tutorial: "Users with the Default Access role are excluded from
   * provisioning") or `provision` (Entra's generic rule since 2020: evaluated like any role).
   */
  defaultAccess: z.enum(['skip', 'provision']).default('skip'),
  /** The job id keying everything in the state store; default `zendesk.<domain>`. */
  jobId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'may hold letters, digits, ".", "_" and "-" (at most 100)')
    .optional(),
  /**
   * Disables plus deletes (users and groups) allowed in one cycle; beyond it nothing is
   * deprovisioned, the actions are staged and the job is quarantined (TooManyDeletes). 0 turns it off.
   */
  accidentalDeletionThreshold: z.number().int().min(0, 'must be 0 (off) or more').default(500),
  /** Where quarantine and failure e-mails go (needs the smtp section). */
  notificationEmail: z.string().trim().email('must be an e-mail address').optional(),
  /** Also send an e-mail when a cycle has new failures (Entra's "send an email notification when a failure occurs"). */
  sendEmailOnFailure: z.boolean().default(false),
  /** Flatten nested groups: members of member groups become members of the Zendesk group. */
  expandNestedGroups: z.boolean().default(false),
});

export const smtpSchema = z.strictObject({
  host: z.string().trim().min(1, 'must name the SMTP server, e.g. smtp.example.com'),
  port: z.number().int().min(1).max(65_535).default(587),
  /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
  secure: z.boolean().default(false),
  user: z.string().optional(),
  password: z.string().optional(),
  from: z.string().trim().min(3, 'must be the sender, e.g. "provisio <provisio@example.com>"'),
});

export const userMappingSchema = z.strictObject({
  enabled: z.boolean().default(true),
  actions: z.array(actionSchema).default(['create', 'update', 'delete']),
  /** Scoping filters: Graph's `{ groups: [...] }` or a bare list of filter groups. */
  scopingFilters: z.unknown().optional(),
  /** Attribute mappings (friendly or Graph form); omitted → provisio's defaults (docs/mappings.md). */
  attributes: z.array(z.unknown()).optional(),
});

export const groupMappingSchema = z.strictObject({
  enabled: z.boolean().default(true),
  actions: z.array(actionSchema).default(['create', 'update', 'delete']),
  scopingFilters: z.unknown().optional(),
  /** Group attribute mappings; omitted → displayName → name (matching) and description. */
  attributes: z.array(z.unknown()).optional(),
});

export const configSchema = z.strictObject({
  source: sourceSchema,
  target: targetSchema,
  settings: settingsSchema.default(settingsSchema.parse({})),
  smtp: smtpSchema.optional(),
  mappings: z
    .strictObject({
      users: userMappingSchema.default(userMappingSchema.parse({})),
      groups: groupMappingSchema.default(groupMappingSchema.parse({})),
    })
    .default({ users: userMappingSchema.parse({}), groups: groupMappingSchema.parse({}) }),
});

export type RawConfig = z.infer<typeof configSchema>;
