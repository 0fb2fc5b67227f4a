/**
 * One provisioning log entry, as Entra's details pane shows it: "Steps" (import, scope, match,
 * action, each with its details), "Troubleshooting & Recommendations" (the error and what to do),
 * "Modified properties" (old and new values) and "Summary". A drawer beside the list on a wide
 * screen, a full dialog on a phone; both trap focus and close with Escape.
 */
import {
  Badge,
  Button,
  Dialog,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  MessageBar,
  MessageBarBody,
  makeStyles,
  OverlayDrawer,
  Tab,
  TabList,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { DismissRegular } from '@fluentui/react-icons';
import { type ReactNode, useEffect, useState } from 'react';
import {
  actionLabels,
  formatDate,
  identityName,
  type LogEntry,
  statusColors,
  statusLabels,
  stepTitle,
} from './format';

const tabs = ['Steps', 'Troubleshooting & Recommendations', 'Modified properties', 'Summary'] as const;
type TabName = (typeof tabs)[number];

const useStyles = makeStyles({
  tabs: { overflowX: 'auto', marginBottom: '12px' },
  steps: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: '16px' },
  step: {
    borderLeft: `3px solid ${tokens.colorNeutralStroke1}`,
    paddingLeft: '12px',
    display: 'flex',
    flexDirection: 'column',
    gap: '4px',
  },
  stepTitle: { display: 'flex', alignItems: 'center', gap: '8px', flexWrap: 'wrap' },
  muted: { color: tokens.colorNeutralForeground3 },
  properties: {
    display: 'grid',
    gridTemplateColumns: 'minmax(120px, max-content) 1fr',
    gap: '6px 16px',
    margin: 0,
    '& dt': { color: tokens.colorNeutralForeground3 },
    '& dd': { margin: 0, overflowWrap: 'anywhere' },
  },
  scroll: { overflowX: 'auto' },
  detailsTable: { tableLayout: 'auto' },
  value: { overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' },
});

function Properties({ rows }: { rows: readonly [string, ReactNode][] }) {
  const styles = useStyles();
  return (
    <dl className={styles.properties}>
      {rows.map(([name, value]) => (
        <div key={name} style={{ display: 'contents' }}>
          <dt>{name}</dt>
          <dd>{value === '' || value === null || value === undefined ? '—' : value}</dd>
        </div>
      ))}
    </dl>
  );
}

function StatusBadge({ status }: { status: string }) {
  return (
    <Badge appearance="tint" color={statusColors[status] ?? 'informative'}>
      {statusLabels[status] ?? status}
    </Badge>
  );
}

function Steps({ entry }: { entry: LogEntry }) {
  const styles = useStyles();
  if (entry.provisioningSteps.length === 0) return <Text>No steps were recorded.</Text>;
  return (
    <ol className={styles.steps} aria-label="Steps">
      {entry.provisioningSteps.map((step, index) => {
        const title = stepTitle(step, entry);
        const details = Object.entries(step.details);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: steps are in a fixed order
          <li key={index} className={styles.step} data-testid="log-step">
            <div className={styles.stepTitle}>
              <Text weight="semibold">
                {index + 1}. {title}
              </Text>
              <StatusBadge status={step.status} />
            </div>
            <Text size={200} className={styles.muted}>
              {step.name} ({step.provisioningStepType})
            </Text>
            <Text>{step.description}</Text>
            {details.length > 0 && (
              <div className={styles.scroll}>
                <Table size="extra-small" className={styles.detailsTable} aria-label={`${title}: details`}>
                  <TableHeader>
                    <TableRow>
                      <TableHeaderCell>Name</TableHeaderCell>
                      <TableHeaderCell>Value</TableHeaderCell>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {details.map(([name, value]) => (
                      <TableRow key={name}>
                        <TableCell>{name}</TableCell>
                        <TableCell className={styles.value}>{value}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function Troubleshooting({ entry }: { entry: LogEntry }) {
  const error = entry.provisioningStatusInfo.errorInformation;
  if (error === null)
    return (
      <MessageBar intent={entry.provisioningStatusInfo.status === 'success' ? 'success' : 'info'}>
        <MessageBarBody>
          {entry.provisioningStatusInfo.status === 'success'
            ? 'No troubleshooting needed'
            : 'No error was recorded for this entry: see its steps for what happened.'}
        </MessageBarBody>
      </MessageBar>
    );
  return (
    <Properties
      rows={[
        ['Error code', error.errorCode],
        ['Reason', error.reason],
        ['Additional details', error.additionalDetails],
        ['Error category', error.errorCategory],
        ['Recommended action', error.recommendedAction],
      ]}
    />
  );
}

function ModifiedProperties({ entry }: { entry: LogEntry }) {
  const styles = useStyles();
  if (entry.modifiedProperties.length === 0) return <Text>No property was modified.</Text>;
  return (
    <div className={styles.scroll}>
      <Table size="small" aria-label="Modified properties">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Display name</TableHeaderCell>
            <TableHeaderCell>Old value</TableHeaderCell>
            <TableHeaderCell>New value</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {entry.modifiedProperties.map((property) => (
            <TableRow key={property.displayName}>
              <TableCell>{property.displayName}</TableCell>
              <TableCell className={styles.value}>{property.oldValue ?? ''}</TableCell>
              <TableCell className={styles.value}>{property.newValue ?? ''}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

function Summary({ entry }: { entry: LogEntry }) {
  return (
    <Properties
      rows={[
        ['Activity date', formatDate(entry.activityDateTime)],
        ['Change ID', entry.changeId],
        ['Cycle ID', entry.cycleId],
        ['Job ID', entry.jobId],
        ['Source identity', identityName(entry.sourceIdentity)],
        ['Source ID', entry.sourceIdentity.id],
        ['Target identity', identityName(entry.targetIdentity)],
        ['Target ID', entry.targetIdentity.id],
        ['Action', actionLabels[entry.provisioningAction] ?? entry.provisioningAction],
        ['Status', <StatusBadge key="status" status={entry.provisioningStatusInfo.status} />],
        ['Duration (ms)', String(entry.durationInMilliseconds)],
      ]}
    />
  );
}

function Details({ entry }: { entry: LogEntry }) {
  const styles = useStyles();
  const [tab, setTab] = useState<TabName>('Steps');
  return (
    <>
      <TabList
        className={styles.tabs}
        selectedValue={tab}
        onTabSelect={(_event, data) => setTab(data.value as TabName)}
        aria-label="Details"
      >
        {tabs.map((name) => (
          <Tab key={name} value={name}>
            {name}
          </Tab>
        ))}
      </TabList>
      <div role="tabpanel" aria-label={tab}>
        {tab === 'Steps' && <Steps entry={entry} />}
        {tab === 'Troubleshooting & Recommendations' && <Troubleshooting entry={entry} />}
        {tab === 'Modified properties' && <ModifiedProperties entry={entry} />}
        {tab === 'Summary' && <Summary entry={entry} />}
      </div>
    </>
  );
}

/** Whether the viewport is phone-sized (the shell stacks below 720 px). */
export function useNarrow(): boolean {
  const query = '(max-width: 720px)';
  const [narrow, setNarrow] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const changed = () => setNarrow(list.matches);
    list.addEventListener('change', changed);
    return () => list.removeEventListener('change', changed);
  }, []);
  return narrow;
}

export function DetailsPane({
  entry,
  open,
  onClose,
}: {
  entry: LogEntry;
  open: boolean;
  onClose: () => void;
}) {
  const narrow = useNarrow();
  const title = `${identityName(entry.sourceIdentity)}: activity details`;
  const close = <Button appearance="subtle" aria-label="Close" icon={<DismissRegular />} onClick={onClose} />;
  if (narrow)
    return (
      <Dialog open={open} onOpenChange={(_event, data) => !data.open && onClose()}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle action={close}>{title}</DialogTitle>
            <DialogContent>
              <Details key={entry.id} entry={entry} />
            </DialogContent>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    );
  return (
    <OverlayDrawer
      open={open}
      position="end"
      size="large"
      onOpenChange={(_event, data) => !data.open && onClose()}
      aria-label={title}
    >
      <DrawerHeader>
        <DrawerHeaderTitle action={close}>{title}</DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody>
        <Details key={entry.id} entry={entry} />
      </DrawerBody>
    </OverlayDrawer>
  );
}
