/**
 * Provisioning, as the Entra admin center's blade and Microsoft's Zendesk tutorial word it:
 * Provisioning Mode, Admin Credentials (with the Entra connection provisio needs) and Test
 * Connection, Notification Email, Mappings, Settings (Scope, accidental deletions, Provisioning
 * Status), and Save / Discard on top. Credentials are write-only: once saved, only their last four
 * characters come back (GET /provisio/v1/servicePrincipals/{spId}/secrets); an empty field keeps
 * the saved one. A Save that changes Scope first shows the plan (PlanDialog). docs/console.md#provisioning
 */
import {
  Button,
  Checkbox,
  Divider,
  Field,
  Input,
  Link,
  MessageBar,
  MessageBarBody,
  makeStyles,
  Radio,
  RadioGroup,
  Select,
  Spinner,
  Text,
  Textarea,
  tokens,
} from '@fluentui/react-components';
import { ArrowUndo20Regular, PlugConnected20Regular, Save20Regular } from '@fluentui/react-icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { type ReactNode, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, call } from '../../api/client';
import { useJob } from '../../app/JobLayout';
import { paths } from '../../app/routes';
import { useCan } from '../../auth/session';
import { ErrorMessage } from '../../components/ErrorMessage';
import { PageTitle } from '../../components/PageTitle';
import { type Plan, PlanDialog } from '../../components/PlanDialog';
import {
  type ConnectionKey,
  changedPairs,
  connectionChanges,
  type FormValues,
  formFromSaved,
  isDirty,
  type SavedSecret,
  type Scope,
  syncAllPair,
} from './form';
import { TestConnectionResult } from './TestConnectionResult';

const useStyles = makeStyles({
  page: { maxWidth: '760px' },
  commandBar: {
    display: 'flex',
    gap: '8px',
    flexWrap: 'wrap',
    padding: '8px 0',
    marginBottom: '8px',
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    position: 'sticky',
    top: 0,
    zIndex: 1,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  section: { display: 'grid', gap: '12px', margin: '16px 0 24px' },
  heading: { margin: '0' },
  subheading: { margin: '8px 0 0' },
  muted: { color: tokens.colorNeutralForeground3 },
  row: { display: 'flex', gap: '12px', alignItems: 'center', flexWrap: 'wrap' },
  mappings: { display: 'grid', gap: '8px', margin: 0, padding: 0, listStyle: 'none' },
  mapping: { display: 'flex', gap: '12px', flexWrap: 'wrap', alignItems: 'baseline' },
});

function Section({ title, children }: { title: string; children: ReactNode }) {
  const styles = useStyles();
  // A plain section under its heading: a region named like its field would make the field's
  // label ambiguous ("Notification Email").
  return (
    <section className={styles.section}>
      <Text as="h3" size={400} weight="semibold" className={styles.heading}>
        {title}
      </Text>
      {children}
    </section>
  );
}

type ConnectionTest = Awaited<ReturnType<typeof testConnection>>;
async function testConnection(jobId: string, credentials: { key: string; value: string }[]) {
  return call(
    api.POST('/provisio/v1/jobs/{jobId}/testConnection', {
      params: { path: { jobId } },
      body: { credentials },
    }),
  );
}

export default function ProvisioningPage() {
  const styles = useStyles();
  const navigate = useNavigate();
  const { spId, jobId, job, refresh } = useJob();
  const canConfigure = useCan('Administrator');
  const canOperate = useCan('Operator');

  const server = useQuery({
    queryKey: ['server'],
    queryFn: () => call(api.GET('/provisio/v1/server')),
    staleTime: 60_000,
  });
  const secrets = useQuery({
    queryKey: ['savedSecrets', spId],
    queryFn: () =>
      call(api.GET('/provisio/v1/servicePrincipals/{spId}/secrets', { params: { path: { spId } } })),
    // Only an Administrator may read what is saved (even without the secrets).
    enabled: canConfigure,
  });
  const schema = useQuery({
    queryKey: ['schema', spId, jobId],
    queryFn: () =>
      call(
        api.GET('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/schema', {
          params: { path: { spId, jobId } },
        }),
      ),
  });

  const saved: readonly SavedSecret[] = secrets.data?.value ?? [];
  const initial = useMemo(() => formFromSaved(saved, job), [saved, job]);
  const [draft, setDraft] = useState<FormValues | null>(null);
  const values = draft ?? initial;
  const dirty = isDirty(initial, values);
  const hintOf = (key: ConnectionKey) => saved.find((s) => s.key === key)?.hint ?? null;

  const [saveError, setSaveError] = useState<unknown>(null);
  const [savedMessage, setSavedMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [planOpen, setPlanOpen] = useState(false);
  const [plan, setPlan] = useState<Plan | undefined>(undefined);
  const [planError, setPlanError] = useState<unknown>(undefined);

  const test = useMutation<ConnectionTest, unknown>({
    mutationFn: () => testConnection(jobId, connectionChanges(initial, values)),
  });

  const update = (change: Partial<FormValues>) => {
    setDraft({ ...values, ...change });
    setSavedMessage(null);
  };
  const setConnection = (key: ConnectionKey, value: string) =>
    update({ connection: { ...values.connection, [key]: value } });

  const configured = job.status.code !== 'NotConfigured';
  const allowCustom = server.data?.allowCustomEndpoints === true;
  const statusChanged = initial.provisioningOn !== values.provisioningOn;
  const pairs = changedPairs(initial, values);
  const mayConfigure = canConfigure && secrets.isSuccess;

  async function commit() {
    setSaving(true);
    setSaveError(null);
    try {
      if (pairs.length > 0)
        await call(
          api.PUT('/v1.0/servicePrincipals/{spId}/synchronization/secrets', {
            params: { path: { spId } },
            body: { value: pairs },
          }),
        );
      if (statusChanged)
        await call(
          values.provisioningOn
            ? api.POST('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/start', {
                params: { path: { spId, jobId } },
              })
            : api.POST('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/pause', {
                params: { path: { spId, jobId } },
              }),
        );
      await Promise.all([refresh(), canConfigure ? secrets.refetch() : null, schema.refetch()]);
      setDraft(null);
      test.reset();
      setSavedMessage(
        statusChanged
          ? `Saved. Provisioning Status is ${values.provisioningOn ? 'On: the next cycle runs now' : 'Off'}.`
          : 'Saved.',
      );
      setPlanOpen(false);
    } catch (error) {
      setSaveError(error);
      setPlanOpen(false);
    } finally {
      setSaving(false);
    }
  }

  async function save() {
    setSavedMessage(null);
    setSaveError(null);
    // A new Scope changes who is provisioned: show the plan first (a job with no credentials yet
    // has nothing to plan against).
    if (initial.scope !== values.scope && configured) {
      setPlan(undefined);
      setPlanError(undefined);
      setPlanOpen(true);
      try {
        setPlan(
          await call(
            api.POST('/provisio/v1/jobs/{jobId}/plan', {
              params: { path: { jobId } },
              body: { secrets: [syncAllPair(values.scope)] },
            }),
          ),
        );
      } catch (error) {
        setPlanError(error);
      }
      return;
    }
    await commit();
  }

  const mappingOf = (object: 'User' | 'Group') =>
    schema.data?.synchronizationRules[0]?.objectMappings.find((m) => m.sourceObjectName === object);

  const credentialField = (key: ConnectionKey, label: string, hint?: string) => {
    const savedHint = hintOf(key);
    return (
      <Field label={label} hint={savedHint === null ? hint : `Saved: ${savedHint}. Leave empty to keep it.`}>
        <Input
          type="password"
          autoComplete="new-password"
          value={values.connection[key]}
          placeholder={savedHint === null ? undefined : `Saved: ${savedHint}`}
          disabled={!mayConfigure}
          onChange={(_e, data) => setConnection(key, data.value)}
        />
      </Field>
    );
  };
  const textField = (
    key: ConnectionKey,
    label: string,
    hint?: string,
    type: 'text' | 'email' | 'url' = 'text',
  ) => (
    <Field label={label} hint={hint}>
      <Input
        type={type}
        value={values.connection[key]}
        disabled={!mayConfigure}
        onChange={(_e, data) => setConnection(key, data.value)}
      />
    </Field>
  );

  if (canConfigure && secrets.isPending) return <Spinner label="Loading the configuration…" />;

  return (
    <div className={styles.page}>
      <PageTitle>Provisioning</PageTitle>
      <div className={styles.commandBar} role="toolbar" aria-label="Provisioning commands">
        <Button
          appearance="primary"
          icon={<Save20Regular />}
          disabled={!dirty || saving || (!canConfigure && !(canOperate && pairs.length === 0))}
          onClick={() => void save()}
        >
          Save
        </Button>
        <Button
          icon={<ArrowUndo20Regular />}
          disabled={!dirty || saving}
          onClick={() => {
            setDraft(null);
            setSaveError(null);
            test.reset();
          }}
        >
          Discard
        </Button>
        {saving && <Spinner size="tiny" label="Saving…" />}
      </div>
      {savedMessage !== null && (
        <MessageBar intent="success" data-testid="saved-message">
          <MessageBarBody>{savedMessage}</MessageBarBody>
        </MessageBar>
      )}
      {saveError !== null && <ErrorMessage error={saveError} title="The changes were not saved" />}
      {secrets.isError && (
        <ErrorMessage error={secrets.error} title="The saved configuration could not be read" />
      )}
      {!canConfigure && (
        <MessageBar intent="info">
          <MessageBarBody>
            Only an Administrator can change or see the provisioning configuration
            {canOperate ? '; as an Operator you can turn Provisioning Status On or Off.' : '.'}
          </MessageBarBody>
        </MessageBar>
      )}
      {!configured && canConfigure && (
        <MessageBar intent="info">
          <MessageBarBody>
            This application has no credentials yet: fill in Admin Credentials and the Entra connection, Test
            Connection, then Save.
          </MessageBarBody>
        </MessageBar>
      )}

      <Section title="Provisioning Mode">
        <Field label="Provisioning Mode" hint="provisio provisions automatically, on a schedule.">
          <Select value="Automatic" disabled={!mayConfigure}>
            <option value="Automatic">Automatic</option>
          </Select>
        </Field>
      </Section>

      <Divider />
      <Section title="Admin Credentials">
        <Text className={styles.muted}>
          Zendesk: Admin Center → Apps and integrations → Zendesk API. Turn on token access and add an API
          token.
        </Text>
        {textField('UserName', 'Admin Username', 'The email address of a Zendesk admin.', 'email')}
        {credentialField('SecretToken', 'Secret Token', 'A Zendesk API token.')}
        {textField(
          'Domain',
          'Domain',
          'Your Zendesk subdomain, e.g. "contoso" for https://contoso.zendesk.com.',
        )}
        <Text as="h4" weight="semibold" className={styles.subheading}>
          Microsoft Entra ID connection
        </Text>
        <Text className={styles.muted}>
          provisio reads users and groups through Microsoft Graph with an app registration of your tenant.
        </Text>
        {textField('EntraTenantId', 'Tenant ID', 'The directory (tenant) ID.')}
        {textField(
          'EntraClientId',
          'Client ID',
          "The application (client) ID of provisio's app registration.",
        )}
        {credentialField('EntraClientSecret', 'Client secret', 'A client secret of that app registration.')}
        <Field
          label="Zendesk application (service principal object ID)"
          hint="The object ID of the Zendesk enterprise application whose assignments decide the scope."
        >
          <Input value={spId} readOnly />
        </Field>
        {allowCustom && (
          <>
            <Text as="h4" weight="semibold" className={styles.subheading}>
              Advanced
            </Text>
            <Text className={styles.muted}>
              Custom endpoints (this server allows them): leave empty for the public Zendesk and Microsoft
              clouds.
            </Text>
            {textField('BaseAddress', 'Zendesk base URL', 'Default https://<Domain>.zendesk.com.', 'url')}
            {textField(
              'EntraAuthorityHost',
              'Entra authority host',
              'Default https://login.microsoftonline.com.',
              'url',
            )}
            {textField(
              'EntraGraphBaseUrl',
              'Microsoft Graph base URL',
              'Default https://graph.microsoft.com.',
              'url',
            )}
            <Field
              label="Entra CA certificate (PEM)"
              hint="Certificates of extra authorities to trust for Entra ID (a private endpoint or the emulator)."
            >
              <Textarea
                value={values.connection.EntraCaCertificate}
                disabled={!mayConfigure}
                resize="vertical"
                rows={4}
                onChange={(_e, data) => setConnection('EntraCaCertificate', data.value)}
              />
            </Field>
          </>
        )}
        <div className={styles.row}>
          <Button
            icon={<PlugConnected20Regular />}
            disabled={!mayConfigure || test.isPending}
            onClick={() => test.mutate()}
          >
            Test Connection
          </Button>
          {test.isPending && <Spinner size="tiny" label="Testing the connection…" />}
        </div>
        <div aria-live="polite">
          {test.isSuccess && <TestConnectionResult result={test.data} />}
          {test.isError && <ErrorMessage error={test.error} title="The connection could not be tested" />}
        </div>
      </Section>

      <Divider />
      <Section title="Notification Email">
        <Field label="Notification Email" hint="Who is told when provisioning fails or is quarantined.">
          <Input
            type="email"
            value={values.notificationEmail}
            disabled={!mayConfigure}
            onChange={(_e, data) => update({ notificationEmail: data.value })}
          />
        </Field>
        <Checkbox
          label="Send an email notification when a failure occurs"
          checked={values.sendEmailOnFailure}
          disabled={!mayConfigure}
          onChange={(_e, data) => update({ sendEmailOnFailure: data.checked === true })}
        />
      </Section>

      <Divider />
      <Section title="Mappings">
        {schema.isError && <ErrorMessage error={schema.error} title="The mappings could not be read" />}
        <ul className={styles.mappings}>
          {(
            [
              ['User', 'users', 'Synchronize Microsoft Entra users to Zendesk'],
              ['Group', 'groups', 'Synchronize Microsoft Entra groups to Zendesk'],
            ] as const
          ).map(([object, segment, label]) => {
            const mapping = mappingOf(object);
            const href = paths.mapping(spId, jobId, segment);
            return (
              <li key={object} className={styles.mapping} data-testid={`mapping-${segment}`}>
                <Link
                  href={href}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate(href);
                  }}
                >
                  {label}
                </Link>
                <Text className={styles.muted}>
                  Enabled:{' '}
                  {mapping === undefined ? (schema.isPending ? '…' : '—') : mapping.enabled ? 'Yes' : 'No'}
                </Text>
              </li>
            );
          })}
        </ul>
      </Section>

      <Divider />
      <Section title="Settings">
        <Field label="Scope">
          <Select
            value={values.scope}
            disabled={!mayConfigure}
            onChange={(_e, data) => update({ scope: data.value as Scope })}
          >
            <option value="assigned">Sync only assigned users and groups</option>
            <option value="all">Sync all users and groups</option>
          </Select>
        </Field>
        <Checkbox
          label="Prevent accidental deletion"
          checked={values.preventDeletion}
          disabled={!mayConfigure}
          onChange={(_e, data) => update({ preventDeletion: data.checked === true })}
        />
        <Field
          label="Accidental deletion threshold"
          hint="A cycle that would disable or delete more users than this holds them back until you allow it."
        >
          <Input
            type="number"
            min={1}
            value={values.deletionThreshold}
            disabled={!mayConfigure || !values.preventDeletion}
            onChange={(_e, data) => update({ deletionThreshold: data.value })}
          />
        </Field>
        <Field
          label="Provisioning Status"
          hint={
            configured
              ? 'On runs a cycle now and then on schedule; Off pauses provisioning.'
              : 'Save the credentials first: provisioning can be turned On once they are saved.'
          }
        >
          <RadioGroup
            layout="horizontal"
            value={values.provisioningOn ? 'on' : 'off'}
            disabled={!canOperate || (!configured && !canConfigure)}
            onChange={(_e, data) => update({ provisioningOn: data.value === 'on' })}
          >
            <Radio value="on" label="On" />
            <Radio value="off" label="Off" />
          </RadioGroup>
        </Field>
      </Section>

      <PlanDialog
        open={planOpen}
        plan={plan}
        error={planError}
        busy={saving}
        description={`Scope: ${values.scope === 'all' ? 'Sync all users and groups' : 'Sync only assigned users and groups'}`}
        onConfirm={() => void commit()}
        onCancel={() => setPlanOpen(false)}
      />
    </div>
  );
}
