/**
 * Provision on demand's result as Entra shows it: the steps in order, each with ✓ / ✗ / skipped, its
 * description and "View details" (its key/values), then the modified properties. Graph's step names
 * (docs/api.md#provision-on-demand) become the portal's labels.
 */
import {
  Accordion,
  AccordionHeader,
  AccordionItem,
  AccordionPanel,
  Badge,
  makeStyles,
  mergeClasses,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { CheckmarkCircleFilled, DismissCircleFilled, SubtractCircleRegular } from '@fluentui/react-icons';
import { ScrollRegion } from '../overview/ScrollRegion';

export interface OnDemandStep {
  readonly name: string;
  readonly type: 'Import' | 'Scoping' | 'Matching' | 'Processing' | 'Export';
  readonly status: 'Success' | 'Skipped' | 'Failure';
  readonly description: string;
  readonly timestamp: string;
  readonly details: Readonly<Record<string, string>>;
}

export interface ModifiedProperty {
  readonly displayName: string;
  readonly oldValue: string | null;
  readonly newValue: string | null;
}

/** The portal's label of a step, for a user or a group. */
export function stepLabel(step: OnDemandStep, object: 'User' | 'Group'): string {
  const noun = object === 'Group' ? 'group' : 'user';
  if (step.name === 'TestConnection') return 'Test connection';
  switch (step.type) {
    case 'Import':
      return `Import ${noun}`;
    case 'Scoping':
      return `Determine if ${noun} is in scope`;
    case 'Matching':
      return `Match ${noun} between source and target system`;
    default:
      return 'Perform action';
  }
}

const useStyles = makeStyles({
  list: {
    listStyleType: 'none',
    padding: 0,
    margin: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: '12px',
  },
  step: {
    display: 'grid',
    gridTemplateColumns: '24px 1fr',
    gap: '4px 8px',
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    paddingBottom: '8px',
  },
  icon: { fontSize: '20px', marginTop: '2px' },
  success: { color: tokens.colorPaletteGreenForeground1 },
  failure: { color: tokens.colorPaletteRedForeground1 },
  skipped: { color: tokens.colorNeutralForeground3 },
  body: { minWidth: 0, display: 'flex', flexDirection: 'column', gap: '2px' },
  heading: { display: 'flex', gap: '8px', alignItems: 'center', flexWrap: 'wrap' },
  value: { wordBreak: 'break-word' },
});

function StatusIcon({ status }: { status: OnDemandStep['status'] }) {
  const styles = useStyles();
  if (status === 'Success')
    return <CheckmarkCircleFilled className={mergeClasses(styles.icon, styles.success)} aria-hidden />;
  if (status === 'Failure')
    return <DismissCircleFilled className={mergeClasses(styles.icon, styles.failure)} aria-hidden />;
  return <SubtractCircleRegular className={mergeClasses(styles.icon, styles.skipped)} aria-hidden />;
}

const statusWords = { Success: 'Success', Failure: 'Failure', Skipped: 'Skipped' } as const;
const badgeColors = { Success: 'success', Failure: 'danger', Skipped: 'informative' } as const;

export function StepList({
  steps,
  object,
  idPrefix,
}: {
  steps: readonly OnDemandStep[];
  object: 'User' | 'Group';
  idPrefix: string;
}) {
  const styles = useStyles();
  return (
    <ol className={styles.list}>
      {steps.map((step, index) => {
        const label = stepLabel(step, object);
        const details = Object.entries(step.details);
        return (
          <li
            key={`${step.type}-${step.name}`}
            className={styles.step}
            data-testid="step"
            data-step={label}
            data-status={step.status}
          >
            <StatusIcon status={step.status} />
            <div className={styles.body}>
              <div className={styles.heading}>
                <Text weight="semibold">
                  {index + 1}. {label}
                </Text>
                <Badge appearance="tint" color={badgeColors[step.status]}>
                  {statusWords[step.status]}
                </Badge>
              </div>
              <Text className={styles.value}>{step.description}</Text>
              {details.length > 0 && (
                <Accordion collapsible>
                  <AccordionItem value={`${idPrefix}-${index}`}>
                    <AccordionHeader size="small">View details</AccordionHeader>
                    <AccordionPanel>
                      <ScrollRegion label={`${label}: details`}>
                        <Table size="extra-small" aria-label={`${label}: details`}>
                          <TableBody>
                            {details.map(([key, value]) => (
                              <TableRow key={key}>
                                <TableCell className={styles.value}>{key}</TableCell>
                                <TableCell className={styles.value}>{value}</TableCell>
                              </TableRow>
                            ))}
                          </TableBody>
                        </Table>
                      </ScrollRegion>
                    </AccordionPanel>
                  </AccordionItem>
                </Accordion>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

export function ModifiedProperties({ properties }: { properties: readonly ModifiedProperty[] }) {
  const styles = useStyles();
  if (properties.length === 0) return <Text>No property is written.</Text>;
  return (
    <ScrollRegion label="Modified properties">
      <Table
        size="small"
        aria-label="Modified properties"
        style={{ minWidth: 480 }}
        data-testid="modified-properties"
      >
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Target attribute</TableHeaderCell>
            <TableHeaderCell>Old value</TableHeaderCell>
            <TableHeaderCell>New value</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {properties.map((p) => (
            <TableRow key={p.displayName}>
              <TableCell className={styles.value}>{p.displayName}</TableCell>
              <TableCell className={styles.value}>{p.oldValue ?? ''}</TableCell>
              <TableCell className={styles.value}>{p.newValue ?? ''}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </ScrollRegion>
  );
}
