/**
 * Local accounts and their roles (docs/api.md#local-accounts): the list, "Add account" (its one-time
 * password is shown once), the role of each (a change applies at once; a demoted account signs in
 * again), "Remove". Your own role and the last Administrator are kept (the API says why).
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
import { PersonAddRegular } from '@fluentui/react-icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, call } from '../../api/client';
import type { components } from '../../api/schema';
import { useSession } from '../../auth/session';
import { ErrorMessage } from '../../components/ErrorMessage';
import { ScrollArea } from '../../components/ScrollArea';
import { ConfirmDialog, roleOptions, ShownOnce, when } from './shared';

type LocalAccount = components['schemas']['LocalAccount'];
type CreatedAccount = components['schemas']['CreatedLocalAccount'];
type Role = LocalAccount['role'];

const accountsKey = ['access', 'accounts'] as const;

const useStyles = makeStyles({
  toolbar: { display: 'flex', gap: '8px', marginBottom: '8px', flexWrap: 'wrap' },
  table: { minWidth: '680px' },
  form: { display: 'flex', flexDirection: 'column', gap: '12px' },
  muted: { color: tokens.colorNeutralForeground3 },
  role: { minWidth: '160px' },
});

function AddAccountDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const styles = useStyles();
  const queries = useQueryClient();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('Reader');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedAccount | null>(null);

  const close = () => {
    setUsername('');
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
      setCreated(await call(api.POST('/provisio/v1/accounts', { body: { username, role } })));
      await queries.invalidateQueries({ queryKey: accountsKey });
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
              <DialogTitle>Add account</DialogTitle>
              <DialogContent className={styles.form}>
                <Field
                  label="Username"
                  required
                  hint='Letters, digits, ".", "_", "@" or "-", e.g. "jane" or "jane@example.com".'
                >
                  <Input value={username} onChange={(_event, data) => setUsername(data.value)} />
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
                {error !== null && <ErrorMessage error={error} title="The account was not added" />}
              </DialogContent>
              <DialogActions>
                <Button onClick={close}>Cancel</Button>
                <Button appearance="primary" type="submit" disabled={busy}>
                  Add
                </Button>
              </DialogActions>
            </DialogBody>
          </form>
        ) : (
          <DialogBody>
            <DialogTitle>Account "{created.username}" added</DialogTitle>
            <DialogContent className={styles.form}>
              <ShownOnce
                label="One-time password"
                value={created.password}
                warning="Give this password to its owner now: it is shown this once. They sign in with it and change it (Change password)."
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

function RoleSelect({ account, self }: { account: LocalAccount; self: boolean }) {
  const styles = useStyles();
  const queries = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <Field
      validationState={error === null ? 'none' : 'error'}
      validationMessage={error === null ? undefined : error instanceof Error ? error.message : String(error)}
      hint={self ? 'Your own role: another Administrator changes it.' : undefined}
    >
      <Select
        aria-label={`Role of ${account.username}`}
        className={styles.role}
        value={account.role}
        disabled={self || busy}
        onChange={async (_event, data) => {
          setBusy(true);
          setError(null);
          try {
            await call(
              api.PATCH('/provisio/v1/accounts/{username}', {
                params: { path: { username: account.username } },
                body: { role: data.value as Role },
              }),
            );
          } catch (caught) {
            setError(caught);
          } finally {
            await queries.invalidateQueries({ queryKey: accountsKey });
            setBusy(false);
          }
        }}
      >
        {roleOptions.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </Select>
    </Field>
  );
}

export function AccountsSection() {
  const styles = useStyles();
  const queries = useQueryClient();
  const { session } = useSession();
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<LocalAccount | null>(null);
  const query = useQuery({ queryKey: accountsKey, queryFn: () => call(api.GET('/provisio/v1/accounts')) });
  const list = query.data?.value ?? [];
  const isSelf = (account: LocalAccount) =>
    session?.user.method === 'local' && session.user.name === account.username;
  return (
    <section aria-labelledby="local-accounts">
      <Text as="h2" id="local-accounts" size={500} weight="semibold" block>
        Local accounts
      </Text>
      <Text block className={styles.muted} style={{ margin: '4px 0 8px' }}>
        People who sign in with a user name and password, and the role each has.
      </Text>
      <div className={styles.toolbar}>
        <Button appearance="primary" icon={<PersonAddRegular />} onClick={() => setAdding(true)}>
          Add account
        </Button>
      </div>
      <AddAccountDialog open={adding} onClose={() => setAdding(false)} />
      <ConfirmDialog
        open={removing !== null}
        title={`Remove account "${removing?.username ?? ''}"?`}
        confirm="Remove"
        onCancel={() => setRemoving(null)}
        onConfirm={async () => {
          if (removing === null) return;
          await call(
            api.DELETE('/provisio/v1/accounts/{username}', {
              params: { path: { username: removing.username } },
            }),
          );
          await queries.invalidateQueries({ queryKey: accountsKey });
          setRemoving(null);
        }}
      >
        The account can no longer sign in, and its console sessions end now.
      </ConfirmDialog>
      {query.isPending && <Spinner label="Loading the accounts…" />}
      {query.isError && <ErrorMessage error={query.error} title="The accounts could not be read" />}
      {list.length > 0 && (
        <ScrollArea label="Local accounts table">
          <Table className={styles.table} aria-label="Local accounts" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Username</TableHeaderCell>
                <TableHeaderCell>Role</TableHeaderCell>
                <TableHeaderCell>Created</TableHeaderCell>
                <TableHeaderCell>Last sign-in</TableHeaderCell>
                <TableHeaderCell>Actions</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.map((account) => (
                <TableRow key={account.username} data-testid="account-row">
                  <TableCell>{account.username}</TableCell>
                  <TableCell>
                    <RoleSelect account={account} self={isSelf(account)} />
                  </TableCell>
                  <TableCell>{when(account.createdDateTime)}</TableCell>
                  <TableCell>{when(account.lastSignInDateTime)}</TableCell>
                  <TableCell>
                    <Button
                      size="small"
                      aria-label={`Remove ${account.username}`}
                      disabled={isSelf(account)}
                      onClick={() => setRemoving(account)}
                    >
                      Remove
                    </Button>
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
