/**
 * One audit entry in full, in a drawer: the activity, who, when, the result and its reason, the
 * target, the modified properties (old value, new value; secrets arrive as "[redacted]") and the
 * other details.
 */
import {
  Badge,
  Button,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  makeStyles,
  OverlayDrawer,
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
import type { components } from '../../api/schema';
import { ScrollArea } from '../../components/ScrollArea';

export type DirectoryAudit = components['schemas']['directoryAudit'];

export const initiatorOf = (entry: DirectoryAudit) =>
  entry.initiatedBy.user?.displayName ?? entry.initiatedBy.app?.displayName ?? '—';

export const targetOf = (entry: DirectoryAudit) =>
  entry.targetResources.map((target) => target.displayName ?? target.id).join(', ') || '—';

export function StatusBadge({ result }: { result: DirectoryAudit['result'] }) {
  return (
    <Badge appearance="tint" color={result === 'success' ? 'success' : 'danger'}>
      {result === 'success' ? 'Success' : result === 'failure' ? 'Failure' : result}
    </Badge>
  );
}

const useStyles = makeStyles({
  drawer: { width: '640px', maxWidth: '100vw' },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    gap: '6px 16px',
    margin: '0 0 16px',
    '& dt': { fontWeight: tokens.fontWeightSemibold },
    '& dd': { margin: 0, overflowWrap: 'anywhere' },
  },
  value: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
  },
});

/** A JSON value as text people read: strings without their quotes. */
function readable(value: string | null): string {
  if (value === null) return '—';
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'string' ? parsed : JSON.stringify(parsed, null, 2);
  } catch {
    return value;
  }
}

export function AuditDetails({ entry, onClose }: { entry: DirectoryAudit | null; onClose: () => void }) {
  const styles = useStyles();
  const modified = entry?.targetResources.flatMap((target) => target.modifiedProperties) ?? [];
  return (
    <OverlayDrawer
      className={styles.drawer}
      position="end"
      open={entry !== null}
      onOpenChange={(_event, data) => !data.open && onClose()}
      aria-label="Audit log details"
    >
      <DrawerHeader>
        <DrawerHeaderTitle
          action={
            <Button appearance="subtle" aria-label="Close" icon={<DismissRegular />} onClick={onClose} />
          }
        >
          {entry?.activityDisplayName ?? 'Details'}
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody>
        {entry !== null && (
          <>
            <dl className={styles.facts} data-testid="audit-details">
              <dt>Activity</dt>
              <dd>{entry.activityDisplayName}</dd>
              <dt>Date</dt>
              <dd>{new Date(entry.activityDateTime).toLocaleString()}</dd>
              <dt>Status</dt>
              <dd>
                <StatusBadge result={entry.result} />
              </dd>
              <dt>Status reason</dt>
              <dd>{entry.resultReason || '—'}</dd>
              <dt>Initiated by</dt>
              <dd>{initiatorOf(entry)}</dd>
              <dt>Target</dt>
              <dd>{targetOf(entry)}</dd>
              <dt>Operation type</dt>
              <dd>{entry.operationType}</dd>
              <dt>Category</dt>
              <dd>{entry.category}</dd>
              <dt>Correlation ID</dt>
              <dd>{entry.correlationId}</dd>
            </dl>
            <Text as="h3" weight="semibold" size={400} block>
              Modified properties
            </Text>
            {modified.length === 0 ? (
              <Text block style={{ marginBottom: 16 }}>
                None.
              </Text>
            ) : (
              <ScrollArea label="Modified properties table">
                <Table aria-label="Modified properties" size="small">
                  <TableHeader>
                    <TableRow>
                      <TableHeaderCell>Property</TableHeaderCell>
                      <TableHeaderCell>Old value</TableHeaderCell>
                      <TableHeaderCell>New value</TableHeaderCell>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {modified.map((property) => (
                      <TableRow key={property.displayName} data-testid="modified-property">
                        <TableCell>{property.displayName}</TableCell>
                        <TableCell>
                          <span className={styles.value}>{readable(property.oldValue)}</span>
                        </TableCell>
                        <TableCell>
                          <span className={styles.value}>{readable(property.newValue)}</span>
                        </TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </ScrollArea>
            )}
            {entry.additionalDetails.length > 0 && (
              <>
                <Text as="h3" weight="semibold" size={400} block>
                  Additional details
                </Text>
                <dl className={styles.facts}>
                  {entry.additionalDetails.map((detail) => (
                    <div key={detail.key} style={{ display: 'contents' }}>
                      <dt>{detail.key}</dt>
                      <dd className={styles.value}>{detail.value}</dd>
                    </div>
                  ))}
                </dl>
              </>
            )}
          </>
        )}
      </DrawerBody>
    </OverlayDrawer>
  );
}
