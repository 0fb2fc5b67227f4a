/** Pieces the Access page's sections share: a value shown once, and a confirmation dialog. */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  makeStyles,
} from '@fluentui/react-components';
import { CopyRegular } from '@fluentui/react-icons';
import { type ReactNode, useState } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';

const useStyles = makeStyles({
  once: { display: 'flex', flexDirection: 'column', gap: '8px' },
  row: { display: 'flex', gap: '8px', alignItems: 'flex-end', flexWrap: 'wrap' },
  grow: { flex: 1, minWidth: '200px' },
});

/** A secret value shown this once, read-only and copyable, with the warning that it will not come back. */
export function ShownOnce({ label, value, warning }: { label: string; value: string; warning: string }) {
  const styles = useStyles();
  const [copied, setCopied] = useState(false);
  return (
    <div className={styles.once}>
      <MessageBar intent="warning" layout="multiline">
        <MessageBarBody>{warning}</MessageBarBody>
      </MessageBar>
      <div className={styles.row}>
        <Field label={label} className={styles.grow}>
          <Input
            readOnly
            value={value}
            onFocus={(event) => event.currentTarget.select()}
            style={{ fontFamily: 'monospace' }}
          />
        </Field>
        <Button
          icon={<CopyRegular />}
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(value);
              setCopied(true);
            } catch {
              setCopied(false);
            }
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
    </div>
  );
}

/** "Are you sure?": `confirm` is the action's own word (Revoke, Remove). */
export function ConfirmDialog({
  open,
  title,
  children,
  confirm,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirm: string;
  onConfirm: () => Promise<void>;
  onCancel: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog
      open={open}
      modalType="alert"
      onOpenChange={(_event, data) => {
        if (!data.open) {
          setError(null);
          onCancel();
        }
      }}
    >
      <DialogSurface>
        <DialogBody>
          <DialogTitle>{title}</DialogTitle>
          <DialogContent>
            {children}
            {error !== null && <ErrorMessage error={error} />}
          </DialogContent>
          <DialogActions>
            <Button
              onClick={() => {
                setError(null);
                onCancel();
              }}
            >
              Cancel
            </Button>
            <Button
              appearance="primary"
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                setError(null);
                try {
                  await onConfirm();
                } catch (caught) {
                  setError(caught);
                } finally {
                  setBusy(false);
                }
              }}
            >
              {confirm}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

export const roleOptions = ['Reader', 'Operator', 'Administrator'] as const;
export const when = (iso: string | null) => (iso === null ? '—' : new Date(iso).toLocaleString());
