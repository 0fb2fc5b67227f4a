/**
 * API tokens for scripts and automation (docs/security.md#api-tokens): the list (never the tokens),
 * "New token" (the token is shown once, here, and nowhere else ever), "Revoke".
 */
import {
  Badge,
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
import { AddRegular } from '@fluentui/react-icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, call } from '../../api/client';
import type { components } from '../../api/schema';
import { ErrorMessage } from '../../components/ErrorMessage';
import { ScrollArea } from '../../components/ScrollArea';
import { ConfirmDialog, roleOptions, ShownOnce, when } from './shared';

type ApiToken = components['schemas']['ApiToken'];
type CreatedToken = components['schemas']['CreatedApiToken'];
type Role = ApiToken['role'];

const tokensKey = ['access', 'tokens'] as const;

const useStyles = makeStyles({
  toolbar: { display: 'flex', gap: '8px', marginBottom: '8px', flexWrap: 'wrap' },
  table: { minWidth: '760px' },
  form: { display: 'flex', flexDirection: 'column', gap: '12px' },
  muted: { color: tokens.colorNeutralForeground3 },
});

function NewTokenDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const styles = useStyles();
  const queries = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('Reader');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);

  const close = () => {
    setName('');
    setRole('Reader');
    setError(null);
    setCreated(null);
    onClose();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await call(api.POST('/provisio/v1/tokens', { body: { name, role } })));
      await queries.invalidateQueries({ queryKey: tokensKey });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={(_event, data) => !data.open && close()}>
      <DialogSurface aria-describedby={undefined}>
        {created === null ? (
          <form onSubmit={submit}>
            <DialogBody>
              <DialogTitle>New token</DialogTitle>
              <DialogContent className={styles.form}>
                <Field label="Name" required hint='What the token is for, e.g. "terraform" or "monitoring".'>
                  <Input value={name} onChange={(_event, data) => setName(data.value)} />
                </Field>
                <Field
                  label="Role"
                  hint="Reader reads; Operator also runs jobs; Administrator also configures."
                >
                  <Select value={role} onChange={(_event, data) => setRole(data.value as Role)}>
                    {roleOptions.map((option) => (
                      <option key={option}>{option}</option>
                    ))}
                  </Select>
                </Field>
                {error !== null && <ErrorMessage error={error} title="The token was not created" />}
              </DialogContent>
              <DialogActions>
                <Button onClick={close}>Cancel</Button>
                <Button appearance="primary" type="submit" disabled={busy}>
                  Create
                </Button>
              </DialogActions>
            </DialogBody>
          </form>
        ) : (
          <DialogBody>
            <DialogTitle>Token "{created.name}" created</DialogTitle>
            <DialogContent className={styles.form}>
              <ShownOnce
                label="API token"
                value={created.token}
                warning="Copy this token now: it is shown this once and cannot be shown again. Send it as Authorization: Bearer <token>."
              />
            </DialogContent>
            <DialogActions>
              <Button appearance="primary" onClick={close}>
                Done
              </Button>
            </DialogActions>
          </DialogBody>
        )}
      </DialogSurface>
    </Dialog>
  );
}

export function TokensSection() {
  const styles = useStyles();
  const queries = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const query = useQuery({ queryKey: tokensKey, queryFn: () => call(api.GET('/provisio/v1/tokens')) });
  const list = query.data?.value ?? [];
  return (
    <section aria-labelledby="api-tokens">
      <Text as="h2" id="api-tokens" size={500} weight="semibold" block>
        API tokens
      </Text>
      <Text block className={styles.muted} style={{ margin: '4px 0 8px' }}>
        For scripts and automation calling the admin API. A token has one role and works until it is revoked.
      </Text>
      <div className={styles.toolbar}>
        <Button appearance="primary" icon={<AddRegular />} onClick={() => setCreating(true)}>
          New token
        </Button>
      </div>
      <NewTokenDialog open={creating} onClose={() => setCreating(false)} />
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke token "${revoking?.name ?? ''}"?`}
        confirm="Revoke"
        onCancel={() => setRevoking(null)}
        onConfirm={async () => {
          if (revoking === null) return;
          await call(api.DELETE('/provisio/v1/tokens/{id}', { params: { path: { id: revoking.id } } }));
          await queries.invalidateQueries({ queryKey: tokensKey });
          setRevoking(null);
        }}
      >
        Calls with this token are refused from now on. This cannot be undone.
      </ConfirmDialog>
      {query.isPending && <Spinner label="Loading the tokens…" />}
      {query.isError && <ErrorMessage error={query.error} title="The tokens could not be read" />}
      {query.isSuccess && list.length === 0 && <Text>No API tokens yet.</Text>}
      {list.length > 0 && (
        <ScrollArea label="API tokens table">
          <Table className={styles.table} aria-label="API tokens" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Name</TableHeaderCell>
                <TableHeaderCell>Role</TableHeaderCell>
                <TableHeaderCell>Created</TableHeaderCell>
                <TableHeaderCell>Created by</TableHeaderCell>
                <TableHeaderCell>Last used</TableHeaderCell>
                <TableHeaderCell>Status</TableHeaderCell>
                <TableHeaderCell>Actions</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.map((token) => (
                <TableRow key={token.id} data-testid="token-row">
                  <TableCell>{token.name}</TableCell>
                  <TableCell>{token.role}</TableCell>
                  <TableCell>{when(token.createdDateTime)}</TableCell>
                  <TableCell>{token.createdBy}</TableCell>
                  <TableCell>{when(token.lastUsedDateTime)}</TableCell>
                  <TableCell>
                    {token.revokedDateTime === null ? (
                      <Badge color="success" appearance="tint">
                        Active
                      </Badge>
                    ) : (
                      <Badge color="subtle" appearance="tint">
                        Revoked
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell>
                    {token.revokedDateTime === null && (
                      <Button
                        size="small"
                        aria-label={`Revoke ${token.name}`}
                        onClick={() => setRevoking(token)}
                      >
                        Revoke
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </ScrollArea>
      )}
    </section>
  );
}
