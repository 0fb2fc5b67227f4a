/**
 * "Restart provisioning" with Entra's restart criteria (docs/api.md, "Start, pause, restart"): the
 * portal's restart clears watermarks, escrows and the quarantine (the next cycle is initial); "Full"
 * also forgets links so that every user and group is matched again; "Allow deletes" lets the next
 * cycle carry out what the accidental-deletion threshold held back.
 */
import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Text,
} from '@fluentui/react-components';
import { useState } from 'react';
import { api, call } from '../../api/client';
import { ErrorMessage } from '../../components/ErrorMessage';

/** Graph's resetScope for the chosen criteria. */
export function resetScopeOf(full: boolean, allowDeletes: boolean): string {
  const scopes = full ? ['Full'] : ['Watermark', 'Escrows', 'QuarantineState'];
  if (allowDeletes) scopes.push('ForceDeletes');
  return scopes.join(', ');
}

export function RestartDialog({
  spId,
  jobId,
  open,
  onClose,
  onDone,
}: {
  spId: string;
  jobId: string;
  open: boolean;
  onClose(): void;
  onDone(): void;
}) {
  const [full, setFull] = useState(false);
  const [allowDeletes, setAllowDeletes] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const restart = async () => {
    setBusy(true);
    setError(null);
    try {
      await call(
        api.POST('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/restart', {
          params: { path: { spId, jobId } },
          body: { criteria: { resetScope: resetScopeOf(full, allowDeletes) } },
        }),
      );
      setFull(false);
      setAllowDeletes(false);
      onDone();
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={(_event, data) => (data.open ? undefined : onClose())}>
      <DialogSurface aria-describedby="restart-description">
        <DialogBody>
          <DialogTitle>Restart provisioning</DialogTitle>
          <DialogContent style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
            <Text id="restart-description">
              Restarting clears the job's watermarks, the failed objects waiting to be retried (escrows) and
              any quarantine: the next cycle is an initial cycle that reads every user and group in scope.
            </Text>
            <Checkbox
              checked={full}
              onChange={(_event, data) => setFull(data.checked === true)}
              label="Full"
            />
            <Text size={200} style={{ marginLeft: 32, marginTop: -8 }}>
              Also forget the links between Entra and Zendesk objects: every user and group is matched again
              (nothing is duplicated).
            </Text>
            <Checkbox
              checked={allowDeletes}
              onChange={(_event, data) => setAllowDeletes(data.checked === true)}
              label="Allow deletes"
            />
            <Text size={200} style={{ marginLeft: 32, marginTop: -8 }}>
              Let the next cycle deprovision the users and groups the accidental-deletion threshold held back.
            </Text>
            {error !== null && <ErrorMessage error={error} title="The job could not be restarted" />}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" disabled={busy} onClick={restart}>
              Restart
            </Button>
            <Button appearance="secondary" onClick={onClose}>
              Cancel
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
