/**
 * Provision on demand (docs/console.md#provision-on-demand): pick a user or group found through the
 * job's own connection (GET /provisio/v1/jobs/{jobId}/sourceObjects), provision it now with Graph's
 * provisionOnDemand (or, with "Dry run", provisio's ?dryRun=true, which writes nothing), and read the
 * steps as Entra shows them.
 */
import {
  Badge,
  Button,
  Field,
  MessageBar,
  MessageBarBody,
  makeStyles,
  Radio,
  RadioGroup,
  SearchBox,
  Spinner,
  Switch,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { api, call } from '../../api/client';
import type { components } from '../../api/schema';
import { useJob } from '../../app/JobLayout';
import { useCan } from '../../auth/session';
import { ErrorMessage } from '../../components/ErrorMessage';
import { PageTitle } from '../../components/PageTitle';
import { ModifiedProperties, type ModifiedProperty, type OnDemandStep, StepList } from './Steps';

type SourceObject = components['schemas']['sourceObjectSummary'];

interface OnDemandValue {
  readonly action: string;
  readonly changeId: string | null;
  readonly dryRun?: boolean;
  readonly modifiedProperties: readonly ModifiedProperty[];
  readonly provisioningSteps: readonly OnDemandStep[];
  readonly reportableIdentifier: string;
  readonly sourceIdentity: { id: string; type: 'User' | 'Group'; displayName: string | null };
  readonly targetIdentity: { id: string | null; displayName: string | null };
  readonly members?: readonly {
    id: string;
    displayName: string;
    provisioningSteps: readonly OnDemandStep[];
  }[];
}

interface OnDemandResult {
  readonly result: 'Success' | 'Skipped' | 'Failure';
  readonly details: { errorCode?: string; errorMessage?: string };
  readonly value: OnDemandValue;
}

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: '16px', maxWidth: '900px', minWidth: 0 },
  row: { display: 'flex', gap: '12px', flexWrap: 'wrap', alignItems: 'flex-end' },
  search: { flexGrow: 1, minWidth: '220px' },
  results: {
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: '4px 8px',
    maxHeight: '280px',
    overflowY: 'auto',
  },
  section: { display: 'flex', flexDirection: 'column', gap: '8px' },
  summary: { display: 'flex', gap: '8px', alignItems: 'center', flexWrap: 'wrap' },
  muted: { color: tokens.colorNeutralForeground3 },
});

const resultColors = { Success: 'success', Failure: 'danger', Skipped: 'informative' } as const;

export default function OnDemandPage() {
  const styles = useStyles();
  const { spId, jobId, job } = useJob();
  const canOperate = useCan('Operator');
  const [type, setType] = useState<'User' | 'Group'>('User');
  const [search, setSearch] = useState('');
  const deferred = useDeferredValue(search.trim());
  const [selected, setSelected] = useState<SourceObject | null>(null);
  const [dryRun, setDryRun] = useState(false);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<OnDemandResult | null>(null);
  const configured = job.status.code !== 'NotConfigured';

  const found = useQuery({
    queryKey: ['sourceObjects', jobId, type, deferred],
    enabled: configured && deferred !== '',
    queryFn: () =>
      call(
        api.GET('/provisio/v1/jobs/{jobId}/sourceObjects', {
          params: { path: { jobId }, query: { type, search: deferred, $top: 10 } },
        }),
      ),
  });
  const schema = useQuery({
    queryKey: ['schema', spId, jobId],
    enabled: configured,
    queryFn: () =>
      call(
        api.GET('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/schema', {
          params: { path: { spId, jobId } },
        }),
      ),
  });

  const provision = async () => {
    const ruleId = schema.data?.synchronizationRules[0]?.id;
    if (selected === null || ruleId === undefined) return;
    setRunning(true);
    setError(null);
    setResult(null);
    try {
      const answer = await call(
        api.POST('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/provisionOnDemand', {
          params: { path: { spId, jobId }, query: dryRun ? { dryRun: 'true' } : {} },
          body: {
            parameters: [
              { ruleId, subjects: [{ objectId: selected.id, objectTypeName: selected.objectTypeName }] },
            ],
          },
        }),
      );
      const key = JSON.parse(answer.key) as Omit<OnDemandResult, 'value'>;
      setResult({ ...key, value: JSON.parse(answer.value) as OnDemandValue });
    } catch (cause) {
      setError(cause);
    } finally {
      setRunning(false);
    }
  };

  const matches = found.data?.value ?? [];
  const value = result?.value;
  return (
    <div className={styles.page}>
      <PageTitle>Provision on demand</PageTitle>
      <Text>
        Provision a user or a group (with its members) now, without waiting for the next cycle. The steps
        below show what provisio did, or with Dry run what it would do.
      </Text>
      {!configured && (
        <MessageBar intent="warning">
          <MessageBarBody>
            The job has no Admin Credentials yet: save them on the Provisioning page.
          </MessageBarBody>
        </MessageBar>
      )}
      <section className={styles.section} aria-labelledby="select-object">
        <Text as="h3" weight="semibold" size={400} id="select-object">
          Select a user or group
        </Text>
        <div className={styles.row}>
          <Field label="Object type">
            <RadioGroup
              layout="horizontal"
              value={type}
              onChange={(_event, data) => {
                setType(data.value as 'User' | 'Group');
                setSelected(null);
              }}
            >
              <Radio value="User" label="User" />
              <Radio value="Group" label="Group" />
            </RadioGroup>
          </Field>
          <Field label="Search" className={styles.search} hint="Name, user principal name, mail or object id">
            <SearchBox
              value={search}
              disabled={!configured}
              onChange={(_event, data) => setSearch(data.value)}
            />
          </Field>
        </div>
        {found.isError && <ErrorMessage error={found.error} title="The search failed" />}
        {found.isFetching && <Spinner size="tiny" label="Searching…" />}
        {deferred !== '' && found.isSuccess && matches.length === 0 && (
          <Text className={styles.muted}>
            No {type.toLowerCase()} matches “{deferred}”.
          </Text>
        )}
        {matches.length > 0 && (
          <div className={styles.results}>
            <RadioGroup
              aria-label={`Matching ${type === 'User' ? 'users' : 'groups'}`}
              value={selected?.id ?? ''}
              onChange={(_event, data) => setSelected(matches.find((m) => m.id === data.value) ?? null)}
            >
              {matches.map((m) => (
                <Radio
                  key={m.id}
                  value={m.id}
                  label={`${m.displayName}${m.userPrincipalName ? ` (${m.userPrincipalName})` : m.mail ? ` (${m.mail})` : ''}`}
                />
              ))}
            </RadioGroup>
          </div>
        )}
        {selected !== null && (
          <Text data-testid="selected-object">
            Selected: <strong>{selected.displayName}</strong> ({selected.objectTypeName}, {selected.id})
          </Text>
        )}
        <div className={styles.row}>
          <Switch label="Dry run" checked={dryRun} onChange={(_event, data) => setDryRun(data.checked)} />
          <Button
            appearance="primary"
            disabled={!canOperate || selected === null || running || schema.data === undefined}
            onClick={provision}
          >
            Provision
          </Button>
          {running && <Spinner size="tiny" label={dryRun ? 'Running a dry run…' : 'Provisioning…'} />}
        </div>
        {dryRun && (
          <Text size={200} className={styles.muted}>
            Dry run: the steps are evaluated and nothing is written to Zendesk or the provisioning logs.
          </Text>
        )}
        {schema.isError && <ErrorMessage error={schema.error} title="The job's schema could not be read" />}
      </section>

      {error !== null && <ErrorMessage error={error} title="Provisioning on demand failed" />}
      {result !== null && value !== undefined && (
        <section className={styles.section} aria-labelledby="ondemand-result" data-testid="ondemand-result">
          <Text as="h3" weight="semibold" size={400} id="ondemand-result">
            {value.dryRun ? 'Dry run result' : 'Result'}: {value.reportableIdentifier}
          </Text>
          <div className={styles.summary}>
            <Badge appearance="filled" color={resultColors[result.result]} data-testid="ondemand-status">
              {result.result}
            </Badge>
            <Text>
              Action: <strong>{value.action}</strong>
              {value.targetIdentity.id ? ` · Zendesk id ${value.targetIdentity.id}` : ''}
              {value.dryRun ? ' · dry run: nothing was written' : ''}
            </Text>
          </div>
          {result.details.errorMessage && (
            <MessageBar intent={result.result === 'Failure' ? 'error' : 'info'} layout="multiline">
              <MessageBarBody>
                {result.details.errorCode}: {result.details.errorMessage}
              </MessageBarBody>
            </MessageBar>
          )}
          <StepList steps={value.provisioningSteps} object={value.sourceIdentity.type} idPrefix="subject" />
          {value.sourceIdentity.type === 'User' && (
            <>
              <Text as="h4" weight="semibold">
                Modified properties
              </Text>
              <ModifiedProperties properties={value.modifiedProperties} />
            </>
          )}
          {(value.members ?? []).map((member) => (
            <section key={member.id} className={styles.section} aria-label={`Member ${member.displayName}`}>
              <Text as="h4" weight="semibold">
                Member: {member.displayName}
              </Text>
              <StepList steps={member.provisioningSteps} object="User" idPrefix={member.id} />
            </section>
          ))}
        </section>
      )}
    </div>
  );
}
