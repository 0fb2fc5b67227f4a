/**
 * A service principal's saved secrets (`PUT /v1.0/servicePrincipals/{id}/synchronization/secrets`)
 * and how they make a Graph job a whole provisio job definition (docs/api.md#secrets).
 *
 * Graph keeps a provisioning job's credentials and some of its settings as key/value "secrets" of
 * the service principal (https://learn.microsoft.com/graph/api/synchronization-synchronization-secrets):
 * Zendesk's Admin Username, Secret Token and Domain are `UserName`, `SecretToken` and `Domain`;
 * Settings → Scope is `SyncAll`; the notification e-mail and the accidental-deletion threshold are
 * `SyncNotificationSettings`. provisio runs outside Entra, so it also needs the source's
 * credentials: `EntraTenantId`, `EntraClientId` and `EntraClientSecret` are provisio's extension.
 * Custom endpoints (`BaseAddress`, `EntraAuthorityHost`, `EntraGraphBaseUrl`, `EntraCaCertificate`)
 * are accepted only when the operator allows them (`--allow-custom-endpoints`).
 *
 * Every value is sealed; a job definition holds `store:` references to the two secret ones and the
 * plain ones as values.
 */
import {
  type JobDefinitionInput,
  type SecretLookup,
  type SecretProvider,
  type StateStore,
  settingsSchema,
  sourceDefinitionSchema,
  targetDefinitionSchema,
} from '@provisio/engine';
import type { z } from 'zod';
import type { SecretVault } from '../context.js';
import { ApiError } from '../http/errors.js';
import { servicePrincipalScope, storeReference } from '../secrets/store-secrets.js';
import type { JobSections } from './catalog.js';

export type SecretKey =
  | 'UserName'
  | 'SecretToken'
  | 'Domain'
  | 'SyncAll'
  | 'SyncNotificationSettings'
  | 'SkipOutOfScopeDeletions'
  | 'EntraTenantId'
  | 'EntraClientId'
  | 'EntraClientSecret'
  | 'BaseAddress'
  | 'EntraAuthorityHost'
  | 'EntraGraphBaseUrl'
  | 'EntraCaCertificate'
  | 'SsoEnabled'
  | 'SsoSharedSecret'
  | 'SsoSharedSecretPrevious';

interface KeySpec {
  /** A credential: never shown, never echoed in a message. */
  readonly secret: boolean;
  /** Needed before a job can run. */
  readonly required: boolean;
  /** Needs `--allow-custom-endpoints`. */
  readonly customEndpoint: boolean;
  /** Checks one value; returns the problem (without the value when it is a secret). */
  readonly check: (value: string) => string | null;
  readonly describe: string;
}

const zodCheck =
  (schema: z.ZodType) =>
  (value: string): string | null => {
    const result = schema.safeParse(value);
    return result.success ? null : (result.error.issues[0]?.message ?? 'is not valid');
  };

const booleanText = (value: string) =>
  /^(true|false)$/i.test(value.trim()) ? null : 'must be "True" or "False"';

/** Zendesk generates 48-character shared secrets; anything much shorter is a paste gone wrong. */
const sharedSecretCheck = (value: string) =>
  value.trim().length < 16
    ? 'is too short: paste the whole shared secret Zendesk shows (48 characters)'
    : /\s/.test(value.trim())
      ? 'must not contain spaces: paste the shared secret exactly as Zendesk shows it'
      : null;

const nonEmpty = (value: string) => (value.trim() === '' ? 'must not be empty' : null);

const keySpecs: Readonly<Record<SecretKey, KeySpec>> = {
  UserName: {
    secret: false,
    required: true,
    customEndpoint: false,
    check: zodCheck(targetDefinitionSchema.shape.adminUsername),
    describe: "the Zendesk admin's e-mail address (Admin Username)",
  },
  SecretToken: {
    secret: true,
    required: true,
    customEndpoint: false,
    check: nonEmpty,
    describe: 'a Zendesk API token (Secret Token)',
  },
  Domain: {
    secret: false,
    required: true,
    customEndpoint: false,
    check: (value) => zodCheck(targetDefinitionSchema.shape.domain)(zendeskSubdomain(value)),
    describe: 'the Zendesk subdomain (Domain), e.g. "example" for https://example.zendesk.com',
  },
  SyncAll: {
    secret: false,
    required: false,
    customEndpoint: false,
    check: booleanText,
    describe: '"True" to sync all users and groups, "False" for assigned ones only',
  },
  SyncNotificationSettings: {
    secret: false,
    required: false,
    customEndpoint: false,
    check: (value) => {
      const parsed = notificationSettings(value);
      return 'problem' in parsed ? parsed.problem : null;
    },
    describe:
      'JSON: {"Enabled":true,"Recipients":"ops@example.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":500}',
  },
  SkipOutOfScopeDeletions: {
    secret: false,
    required: false,
    customEndpoint: false,
    check: booleanText,
    describe: '"True" to leave users who fall out of scope untouched',
  },
  EntraTenantId: {
    secret: false,
    required: true,
    customEndpoint: false,
    check: zodCheck(sourceDefinitionSchema.shape.tenantId),
    describe: "provisio's extension: your Entra tenant's directory (tenant) ID",
  },
  EntraClientId: {
    secret: false,
    required: true,
    customEndpoint: false,
    check: zodCheck(sourceDefinitionSchema.shape.clientId),
    describe: "provisio's extension: the application (client) ID of provisio's app registration",
  },
  EntraClientSecret: {
    secret: true,
    required: true,
    customEndpoint: false,
    check: nonEmpty,
    describe: "provisio's extension: a client secret of provisio's app registration",
  },
  BaseAddress: {
    secret: false,
    required: false,
    customEndpoint: true,
    check: (value) => zodCheck(targetDefinitionSchema.shape.baseUrl.unwrap())(value),
    describe: 'the Zendesk API base URL (default https://<Domain>.zendesk.com)',
  },
  EntraAuthorityHost: {
    secret: false,
    required: false,
    customEndpoint: true,
    check: (value) => zodCheck(sourceDefinitionSchema.shape.authorityHost.unwrap())(value),
    describe: "provisio's extension: the token authority (default https://login.microsoftonline.com)",
  },
  EntraGraphBaseUrl: {
    secret: false,
    required: false,
    customEndpoint: true,
    check: (value) => zodCheck(sourceDefinitionSchema.shape.graphBaseUrl.unwrap())(value),
    describe: "provisio's extension: Microsoft Graph's base URL (default https://graph.microsoft.com)",
  },
  EntraCaCertificate: {
    secret: false,
    required: false,
    customEndpoint: true,
    check: (value) => zodCheck(sourceDefinitionSchema.shape.caCertificate.unwrap())(value),
    describe: "provisio's extension: PEM certificates of extra authorities to trust for Entra",
  },
  SsoEnabled: {
    secret: false,
    required: false,
    customEndpoint: false,
    check: booleanText,
    describe: '"True" to sign people in to Zendesk through provisio (docs/single-sign-on.md)',
  },
  SsoSharedSecret: {
    secret: true,
    required: false,
    customEndpoint: false,
    check: sharedSecretCheck,
    describe:
      "the shared secret of the Zendesk account's JWT single sign-on configuration (Admin Center → Single sign-on)",
  },
  SsoSharedSecretPrevious: {
    secret: true,
    required: false,
    customEndpoint: false,
    check: sharedSecretCheck,
    describe:
      'the shared secret saved before the current one, kept while Zendesk may still use it (set by provisio when SsoSharedSecret changes)',
  },
};

export const secretKeys = Object.keys(keySpecs) as SecretKey[];
export const requiredSecretKeys = secretKeys.filter((key) => keySpecs[key].required);
export const customEndpointKeys = secretKeys.filter((key) => keySpecs[key].customEndpoint);

export const isSecretKey = (key: string): key is SecretKey => Object.hasOwn(keySpecs, key);

/** `example`, also from `example.zendesk.com` or `https://example.zendesk.com/`. */
export function zendeskSubdomain(value: string): string {
  return value
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '')
    .replace(/\.zendesk\.com$/i, '');
}

interface NotificationSettings {
  readonly enabled: boolean;
  readonly recipients: string | null;
  readonly deleteThreshold: number;
}

/** Graph's `SyncNotificationSettings` JSON, as provisio's settings. */
export function notificationSettings(value: string): NotificationSettings | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { problem: `must be JSON, e.g. ${keySpecs.SyncNotificationSettings.describe.slice(6)}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return { problem: 'must be a JSON object with Enabled, Recipients, DeleteThresholdEnabled' };
  const o = parsed as Record<string, unknown>;
  const bool = (key: string): boolean | undefined | 'bad' => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    return 'bad';
  };
  const enabled = bool('Enabled');
  const thresholdEnabled = bool('DeleteThresholdEnabled');
  if (enabled === 'bad') return { problem: 'Enabled must be true or false' };
  if (thresholdEnabled === 'bad') return { problem: 'DeleteThresholdEnabled must be true or false' };
  const recipients = o['Recipients'];
  if (recipients !== undefined && recipients !== null && typeof recipients !== 'string')
    return { problem: 'Recipients must be an e-mail address' };
  const rawThreshold = o['DeleteThresholdValue'];
  const threshold =
    rawThreshold === undefined || rawThreshold === null
      ? 500
      : typeof rawThreshold === 'number'
        ? rawThreshold
        : typeof rawThreshold === 'string' && /^\d+$/.test(rawThreshold.trim())
          ? Number(rawThreshold)
          : Number.NaN;
  if (!Number.isInteger(threshold) || threshold < 0)
    return { problem: 'DeleteThresholdValue must be a whole number, 0 or more' };
  const recipient = typeof recipients === 'string' && recipients.trim() !== '' ? recipients.trim() : null;
  if (enabled === true && recipient === null)
    return { problem: 'Enabled is true but Recipients is empty: name the address to write to' };
  if (recipient !== null && settingsSchema.shape.notificationEmail.safeParse(recipient).success === false)
    return { problem: 'Recipients must be one e-mail address, e.g. ops@example.com' };
  return {
    enabled: enabled ?? false,
    recipients: recipient,
    deleteThreshold: thresholdEnabled === false ? 0 : threshold,
  };
}

export interface SecretProblem {
  readonly key: string;
  readonly message: string;
}

export interface ParsedSecrets {
  /** Keys to set. */
  readonly set: ReadonlyMap<SecretKey, string>;
  /** Keys given with an empty value: removed. */
  readonly removed: readonly SecretKey[];
  readonly problems: readonly SecretProblem[];
}

/**
 * Checks Graph's `[{key, value}]` pairs: known keys only, custom endpoints only when allowed, each
 * value well formed. An empty value removes an optional key. A message never holds a secret value.
 */
export function parseSecretPairs(
  pairs: readonly { readonly key: string; readonly value: string }[],
  options: { readonly allowCustomEndpoints: boolean },
): ParsedSecrets {
  const set = new Map<SecretKey, string>();
  const removed: SecretKey[] = [];
  const problems: SecretProblem[] = [];
  for (const [index, { key, value }] of pairs.entries()) {
    if (!isSecretKey(key)) {
      problems.push({
        key,
        message: `value[${index}].key "${key.slice(0, 64)}" is not a key provisio accepts: use ${secretKeys.join(', ')} (docs/api.md#secrets)`,
      });
      continue;
    }
    const spec = keySpecs[key];
    if (spec.customEndpoint && !options.allowCustomEndpoints) {
      problems.push({
        key,
        message: `${key} sets a custom endpoint, which this server refuses: start provisio serve with --allow-custom-endpoints (for the emulators or a private endpoint) or leave ${key} out`,
      });
      continue;
    }
    if (value.trim() === '') {
      if (spec.required) problems.push({ key, message: `${key} must not be empty: give ${spec.describe}` });
      else removed.push(key);
      continue;
    }
    const problem = spec.check(value);
    if (problem !== null) {
      problems.push({ key, message: `${key} ${problem} (${key} is ${spec.describe})` });
      continue;
    }
    set.set(key, key === 'Domain' ? zendeskSubdomain(value) : value.trim());
  }
  return { set, removed, problems };
}

export type SecretValues = Readonly<Partial<Record<SecretKey, string>>>;

export const missingKeys = (values: SecretValues): SecretKey[] =>
  requiredSecretKeys.filter((key) => values[key] === undefined || values[key] === '');

/** What a definition's fields map back to, for problems found in the built definition. */
export const keyOfPath: Readonly<Record<string, SecretKey>> = {
  'source.tenantId': 'EntraTenantId',
  'source.clientId': 'EntraClientId',
  'source.clientSecret': 'EntraClientSecret',
  'source.authorityHost': 'EntraAuthorityHost',
  'source.graphBaseUrl': 'EntraGraphBaseUrl',
  'source.caCertificate': 'EntraCaCertificate',
  'target.adminUsername': 'UserName',
  'target.secretToken': 'SecretToken',
  'target.domain': 'Domain',
  'target.baseUrl': 'BaseAddress',
  'settings.scope': 'SyncAll',
  'settings.notificationEmail': 'SyncNotificationSettings',
  'settings.sendEmailOnFailure': 'SyncNotificationSettings',
  'settings.accidentalDeletionThreshold': 'SyncNotificationSettings',
  'settings.skipOutOfScopeDeletions': 'SkipOutOfScopeDeletions',
};

const isTrue = (value: string | undefined) => value !== undefined && value.trim().toLowerCase() === 'true';

/** The settings the secrets decide, over the draft's (or a definition's). */
export function settingsFrom(
  base: Readonly<Record<string, unknown>>,
  values: SecretValues,
): Record<string, unknown> {
  const settings: Record<string, unknown> = { ...base };
  if (values.SyncAll !== undefined) settings['scope'] = isTrue(values.SyncAll) ? 'all' : 'assigned';
  if (values.SkipOutOfScopeDeletions !== undefined)
    settings['skipOutOfScopeDeletions'] = isTrue(values.SkipOutOfScopeDeletions);
  if (values.SyncNotificationSettings !== undefined) {
    const parsed = notificationSettings(values.SyncNotificationSettings);
    if (!('problem' in parsed)) {
      delete settings['notificationEmail'];
      if (parsed.enabled && parsed.recipients !== null) settings['notificationEmail'] = parsed.recipients;
      settings['sendEmailOnFailure'] = parsed.enabled && parsed.recipients !== null;
      settings['accidentalDeletionThreshold'] = parsed.deleteThreshold;
    }
  }
  return settings;
}

/**
 * The job definition of job `jobId` of service principal `servicePrincipalId`: its sections and
 * the saved secrets, the secret ones as `store:` references. Null when required keys are missing.
 */
export function definitionFrom(
  jobId: string,
  servicePrincipalId: string,
  sections: JobSections,
  values: SecretValues,
): JobDefinitionInput | null {
  if (missingKeys(values).length > 0) return null;
  const v = values as Record<SecretKey, string | undefined>;
  const sp = servicePrincipalId.toLowerCase();
  return {
    id: jobId,
    ...(sections.displayName === undefined ? {} : { displayName: sections.displayName }),
    source: {
      type: 'entra',
      tenantId: v.EntraTenantId ?? '',
      clientId: v.EntraClientId ?? '',
      clientSecret: { secretRef: storeReference(sp, 'EntraClientSecret') },
      servicePrincipalId: sp,
      ...(v.EntraAuthorityHost === undefined ? {} : { authorityHost: v.EntraAuthorityHost }),
      ...(v.EntraGraphBaseUrl === undefined ? {} : { graphBaseUrl: v.EntraGraphBaseUrl }),
      ...(v.EntraCaCertificate === undefined ? {} : { caCertificate: v.EntraCaCertificate }),
    },
    target: {
      type: 'zendesk',
      adminUsername: v.UserName ?? '',
      secretToken: { secretRef: storeReference(sp, 'SecretToken') },
      domain: v.Domain ?? '',
      ...(v.BaseAddress === undefined ? {} : { baseUrl: v.BaseAddress }),
    },
    settings: settingsFrom(sections.settings ?? {}, values) as JobDefinitionInput['settings'],
    mappings: (sections.mappings ?? {}) as JobDefinitionInput['mappings'],
  };
}

/** A secret provider answering the service principal's `store:` references from `values`. */
export function valuesSecretProvider(servicePrincipalId: string, values: SecretValues): SecretProvider {
  const sp = servicePrincipalId.toLowerCase();
  return {
    async resolve(reference: string): Promise<SecretLookup> {
      for (const key of ['SecretToken', 'EntraClientSecret'] as const)
        if (reference === storeReference(sp, key)) {
          const value = values[key];
          return value === undefined
            ? { found: false, problem: `no ${key} was given or saved: give it in credentials` }
            : { found: true, value };
        }
      return { found: false, problem: `"${reference}" is not one of this job's credentials` };
    },
  };
}

/** Whether a key's value is a credential (never shown, never echoed). */
export const isCredentialKey = (key: SecretKey): boolean => keySpecs[key].secret;

/** The service principal's saved values, opened (known keys only). */
export async function loadSecretValues(
  store: StateStore,
  vault: SecretVault,
  servicePrincipalId: string,
): Promise<SecretValues> {
  const values: Partial<Record<SecretKey, string>> = {};
  for (const record of await store.listSecrets(servicePrincipalScope(servicePrincipalId)))
    if (isSecretKey(record.name)) values[record.name] = vault.open(record.sealed);
  return values;
}

/**
 * A new `SsoSharedSecret` keeps the one it replaces as `SsoSharedSecretPrevious` (unless that is
 * given too), so that sign-in goes on with whichever secret Zendesk holds while the two are
 * switched (docs/single-sign-on.md#rotating-the-shared-secret).
 */
export function withSecretRotation(saved: SecretValues, change: ParsedSecrets): ParsedSecrets {
  const next = change.set.get('SsoSharedSecret');
  const current = saved.SsoSharedSecret;
  if (next === undefined || current === undefined || current === next) return change;
  if (change.set.has('SsoSharedSecretPrevious') || change.removed.includes('SsoSharedSecretPrevious'))
    return change;
  return { ...change, set: new Map([...change.set, ['SsoSharedSecretPrevious', current]]) };
}

/** Seals and saves `set`, removes `removed`: Graph replaces per key, the others stay. */
export async function saveSecretValues(
  store: StateStore,
  vault: SecretVault,
  servicePrincipalId: string,
  change: { readonly set: ReadonlyMap<SecretKey, string>; readonly removed: readonly SecretKey[] },
  now: Date,
): Promise<void> {
  const scope = servicePrincipalScope(servicePrincipalId);
  if (change.set.size > 0)
    await store.saveSecrets(
      [...change.set].map(([name, value]) => ({
        scope,
        name,
        sealed: vault.seal(value),
        updatedAt: now.toISOString(),
      })),
    );
  if (change.removed.length > 0) await store.deleteSecrets(scope, change.removed);
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 400 unless `spId` is a GUID (the object ID of the Zendesk enterprise application). */
export function checkServicePrincipalId(spId: string): void {
  if (!guid.test(spId))
    throw new ApiError(
      400,
      `The service principal id "${spId.slice(0, 64)}" is not a GUID: use the object ID of the Zendesk enterprise application (Entra admin center → Enterprise applications → Zendesk → Object ID).`,
    );
}
