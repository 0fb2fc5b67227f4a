/**
 * Applications: every provisioning job (one per Zendesk account and Entra enterprise application),
 * with its status and last cycle, as Entra's Enterprise applications list shows them. "New
 * application" (Administrators) creates a Zendesk job for an enterprise application and opens its
 * Provisioning page. docs/console.md#applications
 */
import {
  Button,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  makeStyles,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { AddRegular } from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, call } from '../../api/client';
import type { components } from '../../api/schema';
import { paths } from '../../app/routes';
import { useCan } from '../../auth/session';
import { ErrorMessage } from '../../components/ErrorMessage';
import { JobStatusBadge } from '../../components/JobStatusBadge';
import { PageTitle } from '../../components/PageTitle';
import { ScrollArea } from '../../components/ScrollArea';
import { NewApplicationDialog } from './NewApplicationDialog';

type Application = components['schemas']['Application'];
type Execution = components['schemas']['synchronizationTaskExecution'];

export const applicationsQueryKey = ['applications'] as const;

const useStyles = makeStyles({
  toolbar: { display: 'flex', gap: '8px', alignItems: 'center', flexWrap: 'wrap', marginBottom: '12px' },
  table: { minWidth: '880px' },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, wordBreak: 'break-all' },
  muted: { color: tokens.colorNeutralForeground3 },
  link: {
    color: tokens.colorBrandForegroundLink,
    fontWeight: tokens.fontWeightSemibold,
    ':hover': { color: tokens.colorBrandForegroundLinkHover },
  },
  cycle: { display: 'flex', flexDirection: 'column', gap: '2px' },
});

const dateTime = (iso: string) => new Date(iso).toLocaleString();

const cycleStates: Record<Execution['state'], string> = {
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  EntryLevelErrors: 'Completed with errors',
};

function LastCycle({ application }: { application: Application }) {
  const styles = useStyles();
  const last = application.job.status.lastExecution;
  if (last === null) return <Text className={styles.muted}>No cycle yet</Text>;
  return (
    <div className={styles.cycle} data-testid="last-cycle">
      <Text>{last.timeEnded === null ? dateTime(last.timeBegan) : dateTime(last.timeEnded)}</Text>
      <Text weight="semibold">{cycleStates[last.state]}</Text>
      <Text size={200} className={styles.muted}>
        {last.countImported} imported · {last.countExported} exported · {last.countEscrowed} failed
      </Text>
    </div>
  );
}

export default function ApplicationsPage() {
  const styles = useStyles();
  const isAdministrator = useCan('Administrator');
  const [creating, setCreating] = useState(false);
  const query = useQuery({
    queryKey: applicationsQueryKey,
    queryFn: () => call(api.GET('/provisio/v1/applications')),
    // Live while a cycle runs, calmer otherwise.
    refetchInterval: (q) =>
      (q.state.data?.value ?? []).some((a) => (a.job.status.progress?.length ?? 0) > 0) ? 3000 : 10_000,
  });
  const applications = query.data?.value ?? [];
  return (
    <>
      <PageTitle level={1}>Applications</PageTitle>
      <div className={styles.toolbar}>
        <Button
          appearance="primary"
          icon={<AddRegular />}
          disabled={!isAdministrator}
          onClick={() => setCreating(true)}
        >
          New application
        </Button>
        {!isAdministrator && (
          <Text size={200} className={styles.muted}>
            Only an Administrator creates applications.
          </Text>
        )}
      </div>
      <NewApplicationDialog open={creating} onOpenChange={setCreating} />
      {query.isPending && <Spinner label="Loading the applications…" />}
      {query.isError && <ErrorMessage error={query.error} title="The applications could not be read" />}
      {query.isSuccess && applications.length === 0 && (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>No applications yet</MessageBarTitle>
            {isAdministrator
              ? 'Choose "New application" and enter the object ID of your Zendesk enterprise application (Entra admin center → Enterprise applications → Zendesk → Overview → Object ID). Then enter its Admin Credentials on the Provisioning page.'
              : 'An Administrator creates one with "New application", from the object ID of the Zendesk enterprise application in Entra.'}
          </MessageBarBody>
        </MessageBar>
      )}
      {applications.length > 0 && (
        <ScrollArea label="Applications table">
          <Table className={styles.table} aria-label="Applications" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Name</TableHeaderCell>
                <TableHeaderCell>Object ID</TableHeaderCell>
                <TableHeaderCell>Job ID</TableHeaderCell>
                <TableHeaderCell>Status</TableHeaderCell>
                <TableHeaderCell>Last cycle</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {applications.map((application) => {
                const { job, servicePrincipalId, domain } = application;
                return (
                  <TableRow key={job.id} data-testid="application-row">
                    <TableCell>
                      <Link className={styles.link} to={paths.overview(servicePrincipalId, job.id)}>
                        Zendesk{domain === null ? '' : ` · ${domain}`}
                      </Link>
                    </TableCell>
                    <TableCell>
                      <span className={styles.mono}>{servicePrincipalId}</span>
                    </TableCell>
                    <TableCell>
                      <span className={styles.mono}>{job.id}</span>
                    </TableCell>
                    <TableCell>
                      <JobStatusBadge job={job} />
                    </TableCell>
                    <TableCell>
                      <LastCycle application={application} />
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </ScrollArea>
      )}
    </>
  );
}
