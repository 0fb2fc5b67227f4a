/**
 * One application's job, as Entra's enterprise application blade shows it: its name and status on
 * top, then Overview, Single sign-on, Provisioning, Provision on demand, Provisioning logs, Audit logs. The job is
 * read once here (and every few seconds while a cycle runs) and given to the pages by `useJob()`.
 */
import { makeStyles, Spinner, Tab, TabList, Text, tokens } from '@fluentui/react-components';
import { useQuery } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { api, call } from '../api/client';
import type { components } from '../api/schema';
import { ErrorMessage } from '../components/ErrorMessage';
import { JobStatusBadge } from '../components/JobStatusBadge';
import { paths } from './routes';

export type SynchronizationJob = components['schemas']['synchronizationJob'];

interface JobState {
  readonly spId: string;
  readonly jobId: string;
  readonly job: SynchronizationJob;
  /** Read the job again (after an action that changes its status). */
  refresh(): Promise<unknown>;
}

const JobContext = createContext<JobState | null>(null);

/** The job of the page being shown (inside /applications/:spId/jobs/:jobId). */
export function useJob(): JobState {
  const state = useContext(JobContext);
  if (state === null) throw new Error('useJob outside a job page');
  return state;
}

/** The query key of a job, for pages that change it and want it read again. */
export const jobQueryKey = (spId: string, jobId: string) => ['job', spId, jobId] as const;

const useStyles = makeStyles({
  title: { display: 'flex', alignItems: 'center', gap: '12px', flexWrap: 'wrap', marginBottom: '8px' },
  // A job id is long and has no spaces: it wraps anywhere rather than widen a phone's page.
  subtitle: { color: tokens.colorNeutralForeground3, overflowWrap: 'anywhere', minWidth: 0 },
  tabs: { marginBottom: '16px', overflowX: 'auto' },
});

const sections = [
  { value: 'overview', label: 'Overview' },
  // Above Provisioning, as in the enterprise application's blade.
  { value: 'single-sign-on', label: 'Single sign-on' },
  { value: 'provisioning', label: 'Provisioning' },
  { value: 'on-demand', label: 'Provision on demand' },
  { value: 'logs', label: 'Provisioning logs' },
  { value: 'audit', label: 'Audit logs' },
] as const;

export function JobLayout() {
  const styles = useStyles();
  const { spId = '', jobId = '' } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const query = useQuery({
    queryKey: jobQueryKey(spId, jobId),
    queryFn: () =>
      call(
        api.GET('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}', {
          params: { path: { spId, jobId } },
        }),
      ),
    // Live while a cycle runs (its progress), calmer otherwise.
    refetchInterval: (q) => ((q.state.data?.status.progress?.length ?? 0) > 0 ? 2000 : 10_000),
  });
  if (query.isPending) return <Spinner label="Loading the job…" />;
  if (query.isError) return <ErrorMessage error={query.error} title="The job could not be read" />;
  const job = query.data;
  const base = paths.job(spId, jobId);
  const current = location.pathname.slice(base.length + 1).split('/')[0] ?? 'overview';
  return (
    <JobContext.Provider value={{ spId, jobId, job, refresh: () => query.refetch() }}>
      <div className={styles.title}>
        <Text as="h1" size={600} weight="semibold">
          Zendesk
        </Text>
        <JobStatusBadge job={job} />
        <Text className={styles.subtitle} size={200}>
          Job ID {job.id}
        </Text>
      </div>
      <TabList
        className={styles.tabs}
        selectedValue={current}
        onTabSelect={(_event, data) => navigate(`${base}/${String(data.value)}`)}
        aria-label="Job"
      >
        {sections.map((section) => (
          <Tab key={section.value} value={section.value}>
            {section.label}
          </Tab>
        ))}
      </TabList>
      <Outlet />
    </JobContext.Provider>
  );
}
