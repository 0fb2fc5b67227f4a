/**
 * Test Connection's answer: the overall result as Entra words it, then every check with ✓, ✗, or ⚠
 * for an optional capability that is missing (a warning, not a failure: docs/provisioning.md#npx-provisio-test-connection).
 */
import {
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  makeStyles,
  Text,
  tokens,
} from '@fluentui/react-components';
import {
  CheckmarkCircle20Filled,
  DismissCircle20Filled,
  SubtractCircle20Regular,
  Warning20Filled,
} from '@fluentui/react-icons';
import type { components } from '../../api/schema';

type ConnectionTest = components['schemas']['ConnectionTest'];
type Check = ConnectionTest['checks'][number];

const useStyles = makeStyles({
  list: { listStyle: 'none', padding: 0, margin: '8px 0 0', display: 'grid', gap: '6px' },
  item: { display: 'flex', gap: '8px', alignItems: 'flex-start' },
  icon: { flexShrink: 0, marginTop: '1px' },
  success: { color: tokens.colorPaletteGreenForeground1 },
  failure: { color: tokens.colorPaletteRedForeground1 },
  warning: { color: tokens.colorPaletteDarkOrangeForeground1 },
  skipped: { color: tokens.colorNeutralForeground3 },
  fix: { display: 'block', color: tokens.colorNeutralForeground2 },
  text: { overflowWrap: 'anywhere' },
  hidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    overflow: 'hidden',
    clipPath: 'inset(50%)',
    whiteSpace: 'nowrap',
  },
});

const statusWords: Record<Check['status'], string> = {
  success: 'Passed',
  failure: 'Failed',
  warning: 'Warning',
  skipped: 'Skipped',
};

function StatusIcon({ status }: { status: Check['status'] }) {
  const styles = useStyles();
  const props = { className: `${styles.icon} ${styles[status]}`, 'aria-hidden': true } as const;
  if (status === 'success') return <CheckmarkCircle20Filled {...props} />;
  if (status === 'failure') return <DismissCircle20Filled {...props} />;
  if (status === 'warning') return <Warning20Filled {...props} />;
  return <SubtractCircle20Regular {...props} />;
}

export function TestConnectionResult({ result }: { result: ConnectionTest }) {
  const styles = useStyles();
  const warnings = result.checks.filter((check) => check.status === 'warning').length;
  return (
    <MessageBar
      intent={result.succeeded ? (warnings > 0 ? 'warning' : 'success') : 'error'}
      layout="multiline"
      data-testid="test-connection-result"
    >
      <MessageBarBody>
        <MessageBarTitle>
          {result.succeeded
            ? warnings > 0
              ? `The supplied credentials are authorized to enable provisioning; ${warnings === 1 ? 'an optional capability is' : `${warnings} optional capabilities are`} missing (⚠)`
              : 'The supplied credentials are authorized to enable provisioning'
            : 'Test Connection failed: the checks marked ✗ say what to fix'}
        </MessageBarTitle>
        <ul className={styles.list} aria-label="Connection checks">
          {result.checks.map((check, index) => (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: checks keep their order and are shown once
              key={index}
              className={styles.item}
              data-testid="connection-check"
              data-status={check.status}
            >
              <StatusIcon status={check.status} />
              <span className={styles.text}>
                <span aria-hidden="true">
                  {check.status === 'success'
                    ? '✓'
                    : check.status === 'failure'
                      ? '✗'
                      : check.status === 'warning'
                        ? '⚠'
                        : '–'}{' '}
                </span>
                <Text weight="semibold">
                  {check.system}, {check.name}
                </Text>
                <span className={styles.hidden}> ({statusWords[check.status]})</span>: {check.message}
                {check.lost !== null && (
                  <Text className={styles.fix} size={200}>
                    Without it: {check.lost}
                  </Text>
                )}
                {check.fix !== null && (
                  <Text className={styles.fix} size={200}>
                    Fix: {check.fix}
                  </Text>
                )}
              </span>
            </li>
          ))}
        </ul>
      </MessageBarBody>
    </MessageBar>
  );
}
