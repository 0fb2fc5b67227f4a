/**
 * Provisioning logs, as Entra's portal lists them: one row per object per cycle (Graph's
 * provisioningObjectSummary, `GET /v1.0/auditLogs/provisioning`), newest first, with Graph's
 * columns, filters (date range, status, action, identity, cycle), "Load more" through
 * `@odata.nextLink`, the details pane, and "Download" as CSV or JSON. At `/logs` it lists every
 * job; inside a job (`/applications/:spId/jobs/:jobId/logs`) that job's entries only.
 */
import {
  Badge,
  Button,
  Field,
  Input,
  Link,
  makeStyles,
  Select,
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
import { ArrowClockwiseRegular, DismissRegular } from '@fluentui/react-icons';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { api, call } from '../../api/client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { PageTitle } from '../../components/PageTitle';
import { DetailsPane } from './DetailsPane';
import { DownloadDialog } from './DownloadDialog';
import {
  buildLogFilter,
  type LogAction,
  type LogStatus,
  localDayRange,
  logActions,
  logStatuses,
} from './filter';
import { actionLabels, formatDate, identityName, type LogEntry, statusColors, statusLabels } from './format';

const PAGE_SIZE = 50;

const useStyles = makeStyles({
  filters: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(150px, 1fr))',
    gap: '8px 12px',
    alignItems: 'start',
    marginBottom: '12px',
  },
  field: { minWidth: 0 },
  control: { width: '100%', minWidth: 0 },
  toolbar: { display: 'flex', gap: '8px', flexWrap: 'wrap', alignItems: 'center', marginBottom: '8px' },
  count: { color: tokens.colorNeutralForeground3, marginLeft: 'auto' },
  scroll: {
    overflowX: 'auto',
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  table: { minWidth: '1180px', tableLayout: 'auto', '& td, & th': { whiteSpace: 'nowrap' } },
  nowrap: { whiteSpace: 'nowrap' },
  row: { cursor: 'pointer' },
  mono: {
    display: 'block',
    maxWidth: '190px',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
  },
  more: { display: 'flex', justifyContent: 'center', padding: '12px' },
});

/** `value`, once it has stopped changing for `ms` (typing in a filter does not query each key). */
function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The `$skiptoken` of an `@odata.nextLink`, or undefined on the last page. */
function skipTokenOf(nextLink: string | undefined): string | undefined {
  if (nextLink === undefined) return undefined;
  return new URL(nextLink, window.location.origin).searchParams.get('$skiptoken') ?? undefined;
}

const columns = [
  'Date',
  'Identity',
  'Action',
  'Source system',
  'Target system',
  'Status',
  'Job ID',
  'Cycle ID',
  'Change ID',
] as const;

export default function Page() {
  const styles = useStyles();
  const { jobId } = useParams();
  const [fromDay, setFromDay] = useState('');
  const [toDay, setToDay] = useState('');
  const [status, setStatus] = useState<LogStatus | ''>('');
  const [action, setAction] = useState<LogAction | ''>('');
  const [identityText, setIdentityText] = useState('');
  const [cycleText, setCycleText] = useState('');
  const identity = useDebounced(identityText);
  const cycleId = useDebounced(cycleText);
  const [selected, setSelected] = useState<LogEntry | null>(null);
  const [detailsOpen, setDetailsOpen] = useState(false);
  const open = (entry: LogEntry) => {
    setSelected(entry);
    setDetailsOpen(true);
  };

  const filter = buildLogFilter({
    jobId,
    ...localDayRange(fromDay, toDay),
    status,
    action,
    identity,
    cycleId,
  });
  const filtered =
    fromDay !== '' ||
    toDay !== '' ||
    status !== '' ||
    action !== '' ||
    identityText !== '' ||
    cycleText !== '';

  const query = useInfiniteQuery({
    queryKey: ['provisioning-logs', filter ?? ''],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      call(
        api.GET('/v1.0/auditLogs/provisioning', {
          params: {
            query: {
              $top: PAGE_SIZE,
              ...(filter === undefined ? {} : { $filter: filter }),
              ...(pageParam === undefined ? {} : { $skiptoken: pageParam }),
            },
          },
        }),
      ),
    getNextPageParam: (last) => skipTokenOf(last['@odata.nextLink']),
    placeholderData: keepPreviousData,
    // Cycles append entries: the list stays current while it is open.
    refetchInterval: 15_000,
  });
  const entries = query.data?.pages.flatMap((page) => page.value) ?? [];

  const clear = () => {
    setFromDay('');
    setToDay('');
    setStatus('');
    setAction('');
    setIdentityText('');
    setCycleText('');
  };

  return (
    <>
      <PageTitle level={jobId === undefined ? 1 : 2}>Provisioning logs</PageTitle>
      <search className={styles.filters} aria-label="Filters">
        <Field label="From" className={styles.field}>
          <Input
            className={styles.control}
            type="date"
            value={fromDay}
            onChange={(_event, data) => setFromDay(data.value)}
          />
        </Field>
        <Field label="To" className={styles.field}>
          <Input
            className={styles.control}
            type="date"
            value={toDay}
            onChange={(_event, data) => setToDay(data.value)}
          />
        </Field>
        <Field label="Status" className={styles.field}>
          <Select
            className={styles.control}
            value={status}
            onChange={(_event, data) => setStatus(data.value as LogStatus | '')}
          >
            <option value="">All</option>
            {logStatuses.map((value) => (
              <option key={value} value={value}>
                {statusLabels[value]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Action" className={styles.field}>
          <Select
            className={styles.control}
            value={action}
            onChange={(_event, data) => setAction(data.value as LogAction | '')}
          >
            <option value="">All</option>
            {logActions.map((value) => (
              <option key={value} value={value}>
                {actionLabels[value]}
              </option>
            ))}
          </Select>
        </Field>
        <Field
          label="Identity"
          hint="Name starts with (case-sensitive), or object ID"
          className={styles.field}
        >
          <Input
            className={styles.control}
            value={identityText}
            onChange={(_event, data) => setIdentityText(data.value)}
          />
        </Field>
        <Field label="Cycle ID" className={styles.field}>
          <Input
            className={styles.control}
            value={cycleText}
            onChange={(_event, data) => setCycleText(data.value)}
          />
        </Field>
      </search>
      <div className={styles.toolbar}>
        <Button icon={<ArrowClockwiseRegular />} onClick={() => query.refetch()}>
          Refresh
        </Button>
        <DownloadDialog filter={filter} />
        <Button icon={<DismissRegular />} onClick={clear} disabled={!filtered}>
          Clear filters
        </Button>
        <Text className={styles.count} aria-live="polite" data-testid="log-count">
          {query.isFetching && !query.isFetchingNextPage ? 'Loading…' : `${entries.length} shown`}
        </Text>
      </div>
      {query.isError && <ErrorMessage error={query.error} title="The provisioning logs could not be read" />}
      {query.isPending ? (
        <Spinner label="Loading the provisioning logs…" />
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
        <section className={styles.scroll} tabIndex={0} aria-label="Provisioning log entries">
          <Table className={styles.table} size="small" aria-label="Provisioning logs">
            <TableHeader>
              <TableRow>
                {columns.map((column) => (
                  <TableHeaderCell key={column}>{column}</TableHeaderCell>
                ))}
              </TableRow>
            </TableHeader>
            <TableBody>
              {entries.length === 0 && (
                <TableRow>
                  <TableCell colSpan={columns.length}>
                    {!filtered
                      ? 'No provisioning log entries yet: they appear as cycles run.'
                      : 'No entries match these filters.'}
                  </TableCell>
                </TableRow>
              )}
              {entries.map((entry) => (
                <TableRow
                  key={entry.id}
                  className={styles.row}
                  onClick={() => open(entry)}
                  data-testid="log-row"
                >
                  <TableCell className={styles.nowrap}>{formatDate(entry.activityDateTime)}</TableCell>
                  <TableCell>
                    <Link
                      as="button"
                      onClick={(event) => {
                        event.stopPropagation();
                        open(entry);
                      }}
                    >
                      {identityName(entry.sourceIdentity)}
                    </Link>
                  </TableCell>
                  <TableCell>{actionLabels[entry.provisioningAction] ?? entry.provisioningAction}</TableCell>
                  <TableCell>{entry.sourceSystem.displayName}</TableCell>
                  <TableCell>{entry.targetSystem.displayName}</TableCell>
                  <TableCell>
                    <Badge
                      appearance="tint"
                      color={statusColors[entry.provisioningStatusInfo.status] ?? 'informative'}
                    >
                      {statusLabels[entry.provisioningStatusInfo.status] ??
                        entry.provisioningStatusInfo.status}
                    </Badge>
                  </TableCell>
                  <TableCell>
                    <span className={styles.mono} title={entry.jobId}>
                      {entry.jobId}
                    </span>
                  </TableCell>
                  <TableCell>
                    <span className={styles.mono} title={entry.cycleId}>
                      {entry.cycleId}
                    </span>
                  </TableCell>
                  <TableCell>
                    <span className={styles.mono} title={entry.changeId}>
                      {entry.changeId}
                    </span>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {query.hasNextPage && (
            <div className={styles.more}>
              <Button onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
                {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </Button>
            </div>
          )}
        </section>
      )}
      {/* Mounted from the first opening on, so that closing runs the drawer's own close (which gives
          the page back to assistive technology) instead of unmounting it while open. */}
      {selected !== null && (
        <DetailsPane entry={selected} open={detailsOpen} onClose={() => setDetailsOpen(false)} />
      )}
    </>
  );
}
