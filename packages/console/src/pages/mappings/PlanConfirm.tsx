/**
 * The plan shown before a Save (POST /provisio/v1/jobs/{jobId}/plan with the unsaved schema,
 * docs/api.md#plan): how many users and groups the next cycle would create, update, disable and
 * delete, and which, then "Save" or "Cancel". Nothing is written until Save.
 */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  MessageBar,
  MessageBarBody,
  makeStyles,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from '@fluentui/react-components';
import { ErrorMessage } from '../../components/ErrorMessage';
import type { Plan } from './model';

const useStyles = makeStyles({
  surface: { maxWidth: '820px', width: 'calc(100vw - 32px)' },
  content: { display: 'flex', flexDirection: 'column', gap: '12px' },
  scroll: { overflowX: 'auto', maxHeight: '40vh', overflowY: 'auto' },
  table: { minWidth: '520px' },
});

const actionLabel: Record<string, string> = {
  create: 'Create',
  update: 'Update',
  disable: 'Disable',
  reactivate: 'Reactivate',
  delete: 'Delete',
};

function label(action: string): string {
  return actionLabel[action.toLowerCase()] ?? action;
}

export function PlanConfirm({
  plan,
  error,
  saving,
  saveDisabled,
  onSave,
  onCancel,
}: {
  /** Undefined while the plan is computed. */
  plan: Plan | undefined;
  /** The plan could not be computed (the changes can still be saved). */
  error: unknown;
  saving: boolean;
  saveDisabled: boolean;
  onSave(): void;
  onCancel(): void;
}) {
  const styles = useStyles();
  const users = plan?.users.filter((u) => u.action !== null) ?? [];
  const groups = plan?.groups?.plans.filter((g) => g.action !== null) ?? [];
  const counts = plan?.counts;
  const rows = [
    ...users.map((u) => ({
      key: `u${u.sourceId}`,
      kind: 'User',
      name: u.displayName,
      action: u.action ?? '',
      why: u.error?.reason ?? u.description,
    })),
    ...groups.map((g) => ({
      key: `g${g.sourceId}`,
      kind: 'Group',
      name: g.displayName,
      action: g.action ?? '',
      why: g.error?.reason ?? g.reason,
    })),
  ];
  return (
    <Dialog open modalType="alert" onOpenChange={(_e, data) => !data.open && onCancel()}>
      <DialogSurface className={styles.surface}>
        <DialogBody>
          <DialogTitle>Review the changes before saving</DialogTitle>
          <DialogContent className={styles.content}>
            {plan === undefined && error === null && <Spinner label="Planning the next cycle…" />}
            {error !== null && (
              <ErrorMessage
                error={error}
                title="The next cycle could not be planned; you can still save the changes"
              />
            )}
            {plan !== undefined && counts !== undefined && (
              <>
                <Text>
                  After saving, the next cycle is{' '}
                  {plan.kind === 'initial' ? 'an initial cycle' : 'incremental'}. It would:
                </Text>
                <div className={styles.scroll}>
                  <Table size="small" className={styles.table} aria-label="Counts of the next cycle">
                    <TableHeader>
                      <TableRow>
                        <TableHeaderCell />
                        <TableHeaderCell>Create</TableHeaderCell>
                        <TableHeaderCell>Update</TableHeaderCell>
                        <TableHeaderCell>Disable</TableHeaderCell>
                        <TableHeaderCell>Delete</TableHeaderCell>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      <TableRow data-testid="plan-users">
                        <TableCell>Users</TableCell>
                        <TableCell>{counts.created}</TableCell>
                        <TableCell>{counts.updated}</TableCell>
                        <TableCell>{counts.disabled}</TableCell>
                        <TableCell>{counts.deleted}</TableCell>
                      </TableRow>
                      <TableRow data-testid="plan-groups">
                        <TableCell>Groups</TableCell>
                        <TableCell>{counts.groupsCreated ?? 0}</TableCell>
                        <TableCell>{counts.groupsUpdated ?? 0}</TableCell>
                        <TableCell>0</TableCell>
                        <TableCell>{counts.groupsDeleted ?? 0}</TableCell>
                      </TableRow>
                    </TableBody>
                  </Table>
                </div>
                {plan.held.map((held) => (
                  <MessageBar key={held.kind} intent="warning">
                    <MessageBarBody>
                      {held.count}{' '}
                      {held.kind === 'membershipRemoval' ? 'membership removals' : 'deprovisioning actions'}{' '}
                      would be held back by the accidental deletion threshold ({held.threshold}).
                    </MessageBarBody>
                  </MessageBar>
                ))}
                {rows.length === 0 ? (
                  <Text>No user or group would change.</Text>
                ) : (
                  <div className={styles.scroll}>
                    <Table size="small" className={styles.table} aria-label="Changes of the next cycle">
                      <TableHeader>
                        <TableRow>
                          <TableHeaderCell>Name</TableHeaderCell>
                          <TableHeaderCell>Type</TableHeaderCell>
                          <TableHeaderCell>Action</TableHeaderCell>
                          <TableHeaderCell>Why</TableHeaderCell>
                        </TableRow>
                      </TableHeader>
                      <TableBody>
                        {rows.map((row) => (
                          <TableRow key={row.key}>
                            <TableCell>{row.name}</TableCell>
                            <TableCell>{row.kind}</TableCell>
                            <TableCell>{label(row.action)}</TableCell>
                            <TableCell>{row.why}</TableCell>
                          </TableRow>
                        ))}
                      </TableBody>
                    </Table>
                  </div>
                )}
              </>
            )}
          </DialogContent>
          <DialogActions>
            <Button
              appearance="primary"
              disabled={saveDisabled || saving || (plan === undefined && error === null)}
              onClick={onSave}
            >
              {saving ? 'Saving…' : 'Save'}
            </Button>
            <Button onClick={onCancel}>Cancel</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
