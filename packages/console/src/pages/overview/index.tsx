/**
 * A job's Overview, as Entra's Synchronization Details: the command bar (Start/Stop, Restart
 * provisioning, Provision on demand, Refresh), the quarantine explained, the current cycle (a live
 * progress bar while one runs, else the last one), statistics to date, the failing requests of the
 * last cycle with what to do, and the last cycles as a chart and a table
 * (GET /provisio/v1/jobs/{jobId}/cycles; docs/console.md#overview-synchronization-details).
 */
import {
  Button,
  Card,
  Field,
  makeStyles,
  ProgressBar,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Toolbar,
  ToolbarButton,
  tokens,
} from '@fluentui/react-components';
import {
  ArrowClockwiseRegular,
  ArrowCounterclockwiseRegular,
  PersonArrowRightRegular,
  PlayRegular,
  StopRegular,
} from '@fluentui/react-icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, call } from '../../api/client';
import { useJob } from '../../app/JobLayout';
import { paths } from '../../app/routes';
import { useCan } from '../../auth/session';
import { ErrorMessage } from '../../components/ErrorMessage';
import { PageTitle } from '../../components/PageTitle';
import { CycleChart } from './CycleChart';
import { dateTime, duration, kindLabel, stateLabels } from './format';
import { QuarantineBanner } from './QuarantineBanner';
import { RestartDialog } from './RestartDialog';
import { ScrollRegion } from './ScrollRegion';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: '16px', minWidth: 0 },
  toolbar: { flexWrap: 'wrap', paddingLeft: 0 },
  cards: { display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(280px, 1fr))', gap: '16px' },
  card: { padding: '16px' },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    gap: '4px 16px',
    margin: 0,
    '& dt': { color: tokens.colorNeutralForeground3 },
    '& dd': { margin: 0, fontWeight: tokens.fontWeightSemibold },
  },
  table: { minWidth: '900px', tableLayout: 'auto' },
  number: { textAlign: 'right' },
  nowrap: { whiteSpace: 'nowrap' },
  muted: { color: tokens.colorNeutralForeground3 },
});

export default function OverviewPage() {
  const styles = useStyles();
  const { spId, jobId, job, refresh } = useJob();
  const canOperate = useCan('Operator');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [restartOpen, setRestartOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);

  const status = job.status;
  const progress = status.progress[0];
  const running = progress !== undefined;
  const last = status.lastExecution;
  const lastCycleId = last?.activityIdentifier ?? null;

  const cycles = useQuery({
    queryKey: ['cycles', jobId, lastCycleId, running],
    queryFn: () =>
      call(api.GET('/provisio/v1/jobs/{jobId}/cycles', { params: { path: { jobId }, query: { $top: 20 } } })),
    refetchInterval: running ? 2000 : 5000,
  });
  const failures = useQuery({
    queryKey: ['failures', jobId, lastCycleId],
    enabled: lastCycleId !== null,
    queryFn: () =>
      call(
        api.GET('/v1.0/auditLogs/provisioning', {
          params: {
            query: {
              $filter: `jobId eq '${jobId}' and cycleId eq '${lastCycleId}' and provisioningStatusInfo/status eq 'failure'`,
              $top: 5,
            },
          },
        }),
      ),
  });

  const reload = async () => {
    await refresh();
    await queryClient.invalidateQueries({ queryKey: ['cycles', jobId] });
    await queryClient.invalidateQueries({ queryKey: ['failures', jobId] });
    await queryClient.invalidateQueries({ queryKey: ['held', jobId] });
  };

  const act = async (action: 'start' | 'pause') => {
    setBusy(true);
    setActionError(null);
    try {
      if (action === 'start')
        await call(
          api.POST('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/start', {
            params: { path: { spId, jobId } },
          }),
        );
      else
        await call(
          api.POST('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/pause', {
            params: { path: { spId, jobId } },
          }),
        );
      await reload();
    } catch (cause) {
      setActionError(cause);
    } finally {
      setBusy(false);
    }
  };

  const started = job.schedule.state === 'Active';
  const configured = status.code !== 'NotConfigured';
  const users = status.synchronizedEntryCountByType.find((e) => e.key === 'User')?.value ?? 0;
  const groups = status.synchronizedEntryCountByType.find((e) => e.key === 'Group')?.value ?? 0;
  const currentCycle = cycles.data?.value.find((c) => c.state === 'running');
  const lastCycle = cycles.data?.value.find((c) => c.id === lastCycleId);
  const failed = failures.data?.value ?? [];

  return (
    <div className={styles.page}>
      <PageTitle>Overview</PageTitle>
      <Toolbar aria-label="Provisioning commands" className={styles.toolbar}>
        {started ? (
          <ToolbarButton icon={<StopRegular />} disabled={!canOperate || busy} onClick={() => act('pause')}>
            Stop provisioning
          </ToolbarButton>
        ) : (
          <ToolbarButton
            icon={<PlayRegular />}
            disabled={!canOperate || busy || !configured}
            onClick={() => act('start')}
          >
            Start provisioning
          </ToolbarButton>
        )}
        <ToolbarButton
          icon={<ArrowCounterclockwiseRegular />}
          disabled={!canOperate || !configured}
          onClick={() => setRestartOpen(true)}
        >
          Restart provisioning
        </ToolbarButton>
        <ToolbarButton
          icon={<PersonArrowRightRegular />}
          onClick={() => navigate(paths.onDemand(spId, jobId))}
        >
          Provision on demand
        </ToolbarButton>
        <ToolbarButton icon={<ArrowClockwiseRegular />} onClick={() => void reload()}>
          Refresh
        </ToolbarButton>
      </Toolbar>
      {actionError !== null && <ErrorMessage error={actionError} title="The command failed" />}
      <RestartDialog
        spId={spId}
        jobId={jobId}
        open={restartOpen}
        onClose={() => setRestartOpen(false)}
        onDone={() => {
          setRestartOpen(false);
          void reload();
        }}
      />

      {status.quarantine !== null && (
        <QuarantineBanner
          spId={spId}
          jobId={jobId}
          quarantine={status.quarantine}
          lastCycleId={lastCycleId}
          canOperate={canOperate}
          onChanged={() => void reload()}
        />
      )}

      <div className={styles.cards}>
        <Card className={styles.card} aria-labelledby="current-cycle-status">
          <Text as="h3" weight="semibold" size={400} id="current-cycle-status">
            Current cycle status
          </Text>
          {running ? (
            <div data-testid="cycle-progress">
              <Field
                label={`${kindLabel(currentCycle?.kind)} in progress`}
                hint={`${progress.completedUnits} of ${progress.totalUnits} ${progress.units ?? ''} done`.trim()}
              >
                <ProgressBar
                  value={progress.totalUnits > 0 ? progress.completedUnits : undefined}
                  max={Math.max(1, progress.totalUnits)}
                  thickness="large"
                />
              </Field>
            </div>
          ) : last === null ? (
            <Text className={styles.muted}>
              {configured
                ? started
                  ? 'The first cycle starts shortly.'
                  : 'No cycle has run yet: Start provisioning.'
                : 'Not configured: save the Admin Credentials on the Provisioning page.'}
            </Text>
          ) : (
            <dl className={styles.facts} data-testid="last-cycle">
              <dt>Last cycle</dt>
              <dd>
                {kindLabel(lastCycle?.kind)}{' '}
                {lastCycle ? stateLabels[lastCycle.state] : stateLabels[last.state]}
              </dd>
              <dt>Started</dt>
              <dd>{dateTime(last.timeBegan)}</dd>
              <dt>Ended</dt>
              <dd>{dateTime(last.timeEnded)}</dd>
              <dt>Users read</dt>
              <dd>{last.countImported}</dd>
              <dt>Changes written</dt>
              <dd data-testid="last-cycle-exported">{last.countExported}</dd>
              <dt>Failures</dt>
              <dd>{last.countEscrowed}</dd>
              {last.error !== null && (
                <>
                  <dt>Error</dt>
                  <dd>
                    {last.error.code}: {last.error.message}
                  </dd>
                </>
              )}
            </dl>
          )}
        </Card>
        <Card className={styles.card} aria-labelledby="statistics-to-date">
          <Text as="h3" weight="semibold" size={400} id="statistics-to-date">
            Statistics to date
          </Text>
          <dl className={styles.facts}>
            <dt>Users provisioned</dt>
            <dd data-testid="users-provisioned">{users}</dd>
            <dt>Groups provisioned</dt>
            <dd data-testid="groups-provisioned">{groups}</dd>
            <dt>Users in scope (last cycle)</dt>
            <dd data-testid="users-in-scope">{last?.countEntitled ?? '—'}</dd>
            <dt>Last successful cycle</dt>
            <dd>{dateTime(status.lastSuccessfulExecution?.timeEnded)}</dd>
            <dt>Steady state since</dt>
            <dd>{dateTime(status.steadyStateLastAchievedTime)}</dd>
          </dl>
          <Button
            appearance="transparent"
            style={{ alignSelf: 'flex-start', paddingLeft: 0 }}
            onClick={() => navigate(paths.jobLogs(spId, jobId))}
          >
            View provisioning logs
          </Button>
        </Card>
      </div>

      {failed.length > 0 && (
        <section aria-labelledby="failing-requests">
          <Text as="h3" weight="semibold" size={400} id="failing-requests" block>
            Failing requests and what to do
          </Text>
          <ScrollRegion label="Failing requests">
            <Table size="small" aria-labelledby="failing-requests" style={{ minWidth: 700 }}>
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Identity</TableHeaderCell>
                  <TableHeaderCell>Error code</TableHeaderCell>
                  <TableHeaderCell>Reason</TableHeaderCell>
                  <TableHeaderCell>Recommended action</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {failed.map((entry) => (
                  <TableRow key={entry.id}>
                    <TableCell>{entry.sourceIdentity.displayName || entry.sourceIdentity.id}</TableCell>
                    <TableCell>{entry.provisioningStatusInfo.errorInformation?.errorCode ?? '—'}</TableCell>
                    <TableCell>{entry.provisioningStatusInfo.errorInformation?.reason ?? '—'}</TableCell>
                    <TableCell>
                      {entry.provisioningStatusInfo.errorInformation?.recommendedAction ??
                        'See the entry in the provisioning logs.'}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </ScrollRegion>
        </section>
      )}

      <section aria-labelledby="last-cycles">
        <Text as="h3" weight="semibold" size={400} id="last-cycles" block>
          Last cycles
        </Text>
        {cycles.isError ? (
          <ErrorMessage error={cycles.error} title="The cycles could not be read" />
        ) : cycles.data === undefined ? null : cycles.data.value.length === 0 ? (
          <Text className={styles.muted}>No cycle yet.</Text>
        ) : (
          <>
            <CycleChart cycles={cycles.data.value} />
            <ScrollRegion label="Last cycles table">
              <Table size="small" className={styles.table} aria-labelledby="last-cycles" data-testid="cycles">
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell>Kind</TableHeaderCell>
                    <TableHeaderCell>State</TableHeaderCell>
                    <TableHeaderCell>Started</TableHeaderCell>
                    <TableHeaderCell>Duration</TableHeaderCell>
                    <TableHeaderCell>Created</TableHeaderCell>
                    <TableHeaderCell>Updated</TableHeaderCell>
                    <TableHeaderCell>Disabled</TableHeaderCell>
                    <TableHeaderCell>Deleted</TableHeaderCell>
                    <TableHeaderCell>Skipped</TableHeaderCell>
                    <TableHeaderCell>Failed</TableHeaderCell>
                    <TableHeaderCell>Zendesk requests</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {cycles.data.value.map((cycle) => (
                    <TableRow key={cycle.id} data-cycle-id={cycle.id}>
                      <TableCell>{cycle.kind === 'initial' ? 'Initial' : 'Incremental'}</TableCell>
                      <TableCell>
                        {stateLabels[cycle.state] ?? cycle.state}
                        {(cycle.counts.quietRepeats ?? 0) > 0 && (
                          <Text block size={200} className={styles.muted}>
                            quiet, the last of {(cycle.counts.quietRepeats ?? 0) + 1} quiet cycles in a row
                          </Text>
                        )}
                        {cycle.error !== null && (
                          <Text block size={200} className={styles.muted}>
                            {cycle.errorCode}: {cycle.error}
                          </Text>
                        )}
                      </TableCell>
                      <TableCell className={styles.nowrap}>{dateTime(cycle.startedAt)}</TableCell>
                      <TableCell className={styles.nowrap}>{duration(cycle.durationMs)}</TableCell>
                      <TableCell className={styles.number}>{cycle.counts.created}</TableCell>
                      <TableCell className={styles.number}>{cycle.counts.updated}</TableCell>
                      <TableCell className={styles.number}>{cycle.counts.disabled}</TableCell>
                      <TableCell className={styles.number}>{cycle.counts.deleted}</TableCell>
                      <TableCell className={styles.number}>{cycle.counts.skipped}</TableCell>
                      <TableCell className={styles.number}>{cycle.counts.failed}</TableCell>
                      <TableCell className={styles.number}>{cycle.counts.targetRequests}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </ScrollRegion>
          </>
        )}
      </section>
    </div>
  );
}
