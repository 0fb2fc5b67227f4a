/**
 * Audit logs: configuration and operation changes, who made them and when, newest first, from
 * Graph's `GET /v1.0/auditLogs/directoryAudits`; filters (date range, activity, status, initiated
 * by), "Load more" over `@odata.nextLink`, and a details pane with the modified properties (old and
 * new values; secrets arrive masked as "[redacted]"). Inside a job (…/jobs/:jobId/audit) only that
 * job's entries are listed. docs/console.md#audit-logs
 */
import {
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
import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useParams } from 'react-router';
import { api, call } from '../../api/client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { PageTitle } from '../../components/PageTitle';
import { ScrollArea } from '../../components/ScrollArea';
import { AuditDetails, type DirectoryAudit, initiatorOf, StatusBadge, targetOf } from './AuditDetails';
import { type AuditFilters, auditFilter, endOfDay, startOfDay } from './filter';

const PAGE_SIZE = 50;

const useStyles = makeStyles({
  filters: {
    display: 'flex',
    gap: '12px',
    alignItems: 'flex-end',
    flexWrap: 'wrap',
    marginBottom: '12px',
  },
  field: { minWidth: '150px', flex: '1 1 150px', maxWidth: '240px' },
  actions: { display: 'flex', gap: '8px' },
  table: { minWidth: '960px' },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, wordBreak: 'break-all' },
  more: { display: 'flex', gap: '12px', alignItems: 'center', marginTop: '12px', flexWrap: 'wrap' },
  muted: { color: tokens.colorNeutralForeground3 },
});

interface FormState {
  from: string;
  to: string;
  activity: string;
  status: string;
  initiatedBy: string;
}

const emptyForm: FormState = { from: '', to: '', activity: '', status: '', initiatedBy: '' };

/** The `$skiptoken` of an `@odata.nextLink`. */
function skipTokenOf(nextLink: string | undefined): string | undefined {
  if (nextLink === undefined) return undefined;
  return new URL(nextLink, window.location.origin).searchParams.get('$skiptoken') ?? undefined;
}

export default function AuditLogsPage() {
  const styles = useStyles();
  const { jobId } = useParams();
  const [form, setForm] = useState<FormState>(emptyForm);
  const [applied, setApplied] = useState<FormState>(emptyForm);
  const [selected, setSelected] = useState<DirectoryAudit | null>(null);

  const filters: AuditFilters = {
    jobId,
    from: startOfDay(applied.from),
    to: endOfDay(applied.to),
    activity: applied.activity,
    status: applied.status,
    initiatedBy: applied.initiatedBy,
  };
  const filter = auditFilter(filters);

  const query = useInfiniteQuery({
    queryKey: ['directoryAudits', filter ?? ''],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      call(
        api.GET('/v1.0/auditLogs/directoryAudits', {
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
  });
  const entries = query.data?.pages.flatMap((page) => page.value) ?? [];

  const set = (key: keyof FormState) => (_event: unknown, data: { value: string }) =>
    setForm((current) => ({ ...current, [key]: data.value }));

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied(form);
  };

  return (
    <>
      <PageTitle level={jobId === undefined ? 1 : 2}>Audit logs</PageTitle>
      <form className={styles.filters} onSubmit={apply} aria-label="Filters">
        <Field label="From" className={styles.field}>
          <Input type="date" value={form.from} onChange={set('from')} />
        </Field>
        <Field label="To" className={styles.field}>
          <Input type="date" value={form.to} onChange={set('to')} />
        </Field>
        <Field label="Activity" className={styles.field} hint="Begins with, e.g. Update">
          <Input value={form.activity} onChange={set('activity')} />
        </Field>
        <Field label="Status" className={styles.field}>
          <Select value={form.status} onChange={set('status')}>
            <option value="">All</option>
            <option value="success">Success</option>
            <option value="failure">Failure</option>
          </Select>
        </Field>
        <Field label="Initiated by" className={styles.field} hint="Begins with, e.g. local:admin">
          <Input value={form.initiatedBy} onChange={set('initiatedBy')} />
        </Field>
        <div className={styles.actions}>
          <Button appearance="primary" type="submit">
            Apply
          </Button>
          <Button
            onClick={() => {
              setForm(emptyForm);
              setApplied(emptyForm);
            }}
          >
            Clear
          </Button>
        </div>
      </form>
      {query.isPending && <Spinner label="Loading the audit logs…" />}
      {query.isError && <ErrorMessage error={query.error} title="The audit logs could not be read" />}
      {query.isSuccess && entries.length === 0 && (
        <Text block>
          No audit entries{filter === undefined ? ' yet' : ' match these filters'}. Configuration changes,
          starts, pauses, restarts, sign-ins and access changes are listed here.
        </Text>
      )}
      {entries.length > 0 && (
        <ScrollArea label="Audit logs table">
          <Table className={styles.table} aria-label="Audit logs" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Date</TableHeaderCell>
                <TableHeaderCell>Service</TableHeaderCell>
                <TableHeaderCell>Category</TableHeaderCell>
                <TableHeaderCell>Activity</TableHeaderCell>
                <TableHeaderCell>Status</TableHeaderCell>
                <TableHeaderCell>Initiated by</TableHeaderCell>
                <TableHeaderCell>Target</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {entries.map((entry) => (
                <TableRow key={entry.id} data-testid="audit-row">
                  <TableCell>{new Date(entry.activityDateTime).toLocaleString()}</TableCell>
                  <TableCell>{entry.loggedByService}</TableCell>
                  <TableCell>{entry.category}</TableCell>
                  <TableCell>
                    <Link as="button" onClick={() => setSelected(entry)}>
                      {entry.activityDisplayName}
                    </Link>
                  </TableCell>
                  <TableCell>
                    <StatusBadge result={entry.result} />
                  </TableCell>
                  <TableCell>{initiatorOf(entry)}</TableCell>
                  <TableCell>
                    <span className={styles.mono}>{targetOf(entry)}</span>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollArea>
      )}
      {entries.length > 0 && (
        <div className={styles.more}>
          <Text className={styles.muted}>
            {entries.length} {entries.length === 1 ? 'entry' : 'entries'}
          </Text>
          {query.hasNextPage && (
            <Button onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
              {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </Button>
          )}
        </div>
      )}
      <AuditDetails entry={selected} onClose={() => setSelected(null)} />
    </>
  );
}
