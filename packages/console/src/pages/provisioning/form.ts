/**
 * The Provisioning page's form, as values: read from what the service principal has saved
 * (GET /provisio/v1/servicePrincipals/{spId}/secrets: credentials come only as hints) and the job,
 * and turned back into the `[{key, value}]` pairs Graph's PUT …/synchronization/secrets takes, with
 * only what changed (docs/api.md#secrets). A credential left empty keeps the saved one.
 */
import type { components } from '../../api/schema';

export type SavedSecret = components['schemas']['SavedSecret'];
export type SecretKey = SavedSecret['key'];
type Job = components['schemas']['synchronizationJob'];

/** The keys of Admin Credentials and the Entra connection, in the page's order. */
export const connectionKeys = [
  'UserName',
  'SecretToken',
  'Domain',
  'EntraTenantId',
  'EntraClientId',
  'EntraClientSecret',
  'BaseAddress',
  'EntraAuthorityHost',
  'EntraGraphBaseUrl',
  'EntraCaCertificate',
] as const satisfies readonly SecretKey[];
export type ConnectionKey = (typeof connectionKeys)[number];

/** Write-only: never read back, only replaced. */
export const credentialKeys: readonly ConnectionKey[] = ['SecretToken', 'EntraClientSecret'];

export const customEndpointKeys: readonly ConnectionKey[] = [
  'BaseAddress',
  'EntraAuthorityHost',
  'EntraGraphBaseUrl',
  'EntraCaCertificate',
];

export type Scope = 'assigned' | 'all';

export interface FormValues {
  readonly connection: Readonly<Record<ConnectionKey, string>>;
  readonly notificationEmail: string;
  readonly sendEmailOnFailure: boolean;
  readonly preventDeletion: boolean;
  readonly deletionThreshold: string;
  readonly scope: Scope;
  readonly provisioningOn: boolean;
}

const DEFAULT_THRESHOLD = 500;

interface Notification {
  enabled: boolean;
  recipients: string;
  thresholdEnabled: boolean | undefined;
  threshold: number | undefined;
}

/** The saved SyncNotificationSettings JSON, read leniently (the server checked it when saved). */
function readNotification(text: string | null): Notification {
  const none: Notification = {
    enabled: false,
    recipients: '',
    thresholdEnabled: undefined,
    threshold: undefined,
  };
  if (text === null) return none;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    const bool = (v: unknown) =>
      typeof v === 'boolean' ? v : typeof v === 'string' ? v.toLowerCase() === 'true' : undefined;
    const raw = o['DeleteThresholdValue'];
    const threshold =
      typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined;
    return {
      enabled: bool(o['Enabled']) ?? false,
      recipients: typeof o['Recipients'] === 'string' ? o['Recipients'] : '',
      thresholdEnabled: bool(o['DeleteThresholdEnabled']),
      threshold,
    };
  } catch {
    return none;
  }
}

/** The job's threshold as Graph's job shows it (QuarantineTooManyDeletesThreshold); 0 = off. */
function jobThreshold(job: Job): number {
  const value = job.synchronizationJobSettings.find(
    (s) => s.name === 'QuarantineTooManyDeletesThreshold',
  )?.value;
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : DEFAULT_THRESHOLD;
}

/** Provisioning Status On: the job's schedule runs (Graph's schedule.state Active). */
export const provisioningOn = (job: Job): boolean => job.schedule.state === 'Active';

export function formFromSaved(saved: readonly SavedSecret[], job: Job): FormValues {
  const savedValue = (key: SecretKey) => saved.find((s) => s.key === key)?.value ?? null;
  const connection = Object.fromEntries(
    connectionKeys.map((key) => [key, credentialKeys.includes(key) ? '' : (savedValue(key) ?? '')]),
  ) as Record<ConnectionKey, string>;
  const notification = readNotification(savedValue('SyncNotificationSettings'));
  const fromJob = jobThreshold(job);
  const thresholdEnabled = notification.thresholdEnabled ?? fromJob > 0;
  const threshold = notification.threshold ?? (fromJob > 0 ? fromJob : DEFAULT_THRESHOLD);
  return {
    connection,
    notificationEmail: notification.recipients,
    sendEmailOnFailure: notification.enabled,
    preventDeletion: thresholdEnabled,
    deletionThreshold: String(threshold),
    scope: (savedValue('SyncAll') ?? '').toLowerCase() === 'true' ? 'all' : 'assigned',
    provisioningOn: provisioningOn(job),
  };
}

export interface Pair {
  readonly key: SecretKey;
  readonly value: string;
}

/** Admin Credentials and the Entra connection that changed: plain keys that differ, credentials typed. */
export function connectionChanges(initial: FormValues, current: FormValues): Pair[] {
  return connectionKeys.flatMap((key) => {
    const value = current.connection[key];
    if (credentialKeys.includes(key)) return value === '' ? [] : [{ key, value }];
    return value.trim() === initial.connection[key].trim() ? [] : [{ key, value: value.trim() }];
  });
}

const notificationChanged = (a: FormValues, b: FormValues) =>
  a.notificationEmail.trim() !== b.notificationEmail.trim() ||
  a.sendEmailOnFailure !== b.sendEmailOnFailure ||
  a.preventDeletion !== b.preventDeletion ||
  a.deletionThreshold.trim() !== b.deletionThreshold.trim();

export const syncAllPair = (scope: Scope): Pair => ({
  key: 'SyncAll',
  value: scope === 'all' ? 'True' : 'False',
});

/** Everything PUT …/secrets should save: the changed keys only. */
export function changedPairs(initial: FormValues, current: FormValues): Pair[] {
  const pairs = connectionChanges(initial, current);
  if (notificationChanged(initial, current)) {
    const threshold = current.deletionThreshold.trim();
    pairs.push({
      key: 'SyncNotificationSettings',
      value: JSON.stringify({
        Enabled: current.sendEmailOnFailure,
        Recipients: current.notificationEmail.trim(),
        DeleteThresholdEnabled: current.preventDeletion,
        // Sent as typed, so that the server names a value that is not a whole number.
        DeleteThresholdValue: /^\d+$/.test(threshold) ? Number(threshold) : threshold,
      }),
    });
  }
  if (initial.scope !== current.scope) pairs.push(syncAllPair(current.scope));
  return pairs;
}

export const isDirty = (initial: FormValues, current: FormValues): boolean =>
  changedPairs(initial, current).length > 0 || initial.provisioningOn !== current.provisioningOn;
