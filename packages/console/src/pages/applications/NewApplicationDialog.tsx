/**
 * "New application": a Zendesk provisioning job for one Entra enterprise application, created with
 * Graph's `POST /servicePrincipals/{id}/synchronization/jobs {"templateId":"zendesk"}`; its
 * Provisioning page opens next (Admin Credentials come there).
 */
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
  makeStyles,
} from '@fluentui/react-components';
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, call } from '../../api/client';
import { paths } from '../../app/routes';
import { ErrorMessage } from '../../components/ErrorMessage';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: '12px' },
});

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function NewApplicationDialog({
  open,
  onOpenChange,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const styles = useStyles();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [objectId, setObjectId] = useState('');
  const [interval, setEvery] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const spId = objectId.trim();
  const invalid = touched && !GUID.test(spId);

  const close = (next: boolean) => {
    if (!next) {
      setObjectId('');
      setEvery('');
      setTouched(false);
      setError(null);
    }
    onOpenChange(next);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!GUID.test(spId)) return;
    setBusy(true);
    setError(null);
    try {
      const every = interval.trim();
      const job = await call(
        api.POST('/v1.0/servicePrincipals/{spId}/synchronization/jobs', {
          params: { path: { spId } },
          body: { templateId: 'zendesk', ...(every === '' ? {} : { schedule: { interval: every } }) },
        }),
      );
      await queries.invalidateQueries({ queryKey: ['applications'] });
      close(false);
      navigate(paths.provisioning(spId, job.id));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={(_event, data) => close(data.open)}>
      <DialogSurface aria-describedby={undefined}>
        <form onSubmit={submit}>
          <DialogBody>
            <DialogTitle>New application</DialogTitle>
            <DialogContent className={styles.form}>
              <Field
                label="Object ID"
                required
                hint="The Zendesk enterprise application's object ID, a GUID: Entra admin center → Enterprise applications → Zendesk → Overview → Object ID."
                validationState={invalid ? 'error' : 'none'}
                validationMessage={
                  invalid ? 'Enter a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301.' : undefined
                }
              >
                <Input value={objectId} onChange={(_event, data) => setObjectId(data.value)} />
              </Field>
              <Field
                label="Provisioning interval"
                hint="Optional: the time between cycles as an ISO-8601 duration: PT5S (the default, near real time), PT40M (as in Entra) or PT1H."
              >
                <Input
                  value={interval}
                  placeholder="PT5S"
                  onChange={(_event, data) => setEvery(data.value)}
                />
              </Field>
              {error !== null && <ErrorMessage error={error} title="The application was not created" />}
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={() => close(false)}>
                Cancel
              </Button>
              <Button appearance="primary" type="submit" disabled={busy}>
                {busy ? 'Creating…' : 'Create'}
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
