/**
 * The plan before a Save: what the job's next cycle would do with the unsaved changes (POST
 * /provisio/v1/jobs/{jobId}/plan), as counts of users and groups created, updated, disabled and
 * deleted, the accidental-deletion threshold's holds, and the list of users and groups with their
 * action. The person confirms ("Save") or goes back ("Cancel"). Used by the Provisioning page
 * (Scope) and the mapping pages (mappings, scoping filters).
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
  tokens,
} from '@fluentui/react-components';
import type { components } from '../api/schema';
import { ErrorMessage } from './ErrorMessage';

export type Plan = components['schemas']['Plan'];

const useStyles = makeStyles({
  surface: { maxWidth: 'min(900px, calc(100vw - 32px))' },
  scroll: { overflowX: 'auto', marginBottom: '12px' },
  section: { margin: '12px 0 4px' },
  muted: { color: tokens.colorNeutralForeground3 },
  number: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
});

/** The action as the provisioning logs word it. */
function actionLabel(action: string | null, provisioningAction: string, status: string): string {
  if (action !== null) {
    const words: Record<string, string> = {
      create: 'Create',
      update: 'Update',
      reactivate: 'Update (reactivate)',
      disable: 'Disable',
      delete: 'Delete',
    };
    return words[action] ?? action;
  }
  if (provisioningAction === 'stagedDelete') return 'Held: deletion threshold';
  if (status === 'failure') return 'Failure';
  return 'No change';
}

export interface PlanDialogProps {
  readonly open: boolean;
  /** The plan; undefined while it is computed. */
  readonly plan: Plan | undefined;
  /** Why the plan could not be computed (the dialog then offers only Cancel). */
  readonly error?: unknown;
  /** Saving after confirmation. */
  readonly busy?: boolean;
  readonly title?: string;
  /** What the change is, e.g. "Scope: Sync all users and groups". */
  readonly description?: string;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

export function PlanDialog({
  open,
  plan,
  error,
  busy = false,
  title = 'Review the changes before saving',
  description,
  onConfirm,
  onCancel,
}: PlanDialogProps) {
  const styles = useStyles();
  const counts = plan?.counts;
  const rows =
    counts === undefined
      ? []
      : [
          {
            what: 'Users',
            created: counts.created,
            updated: counts.updated,
            disabled: counts.disabled,
            deleted: counts.deleted,
          },
          {
            what: 'Groups',
            created: counts.groupsCreated ?? 0,
            updated: counts.groupsUpdated ?? 0,
            disabled: 0,
            deleted: counts.groupsDeleted ?? 0,
          },
        ];
  const groups = plan?.groups?.plans.filter((g) => g.action !== null || g.status === 'failure') ?? [];
  return (
    <Dialog
      open={open}
      modalType="modal"
      onOpenChange={(_event, data) => {
        if (!data.open && !busy) onCancel();
      }}
    >
      <DialogSurface className={styles.surface} aria-describedby="plan-summary">
        <DialogBody>
          <DialogTitle>{title}</DialogTitle>
          <DialogContent>
            <Text block id="plan-summary">
              {description !== undefined && `${description}. `}
              The next provisioning cycle would make these changes in Zendesk. Nothing is written until you
              save.
            </Text>
            {error !== undefined && error !== null ? (
              <ErrorMessage error={error} title="The plan could not be computed" />
            ) : plan === undefined ? (
              <Spinner label="Computing the plan…" />
            ) : (
              <div data-testid="plan">
                <Text as="h3" weight="semibold" block className={styles.section}>
                  {plan.kind === 'initial' ? 'Initial cycle' : 'Incremental cycle'}: {plan.counts.inScope}{' '}
                  {plan.counts.inScope === 1 ? 'user' : 'users'} in scope
                </Text>
                <div className={styles.scroll}>
                  <Table size="small" aria-label="Changes by object type">
                    <TableHeader>
                      <TableRow>
                        <TableHeaderCell>Object</TableHeaderCell>
                        <TableHeaderCell>Create</TableHeaderCell>
                        <TableHeaderCell>Update</TableHeaderCell>
                        <TableHeaderCell>Disable</TableHeaderCell>
                        <TableHeaderCell>Delete</TableHeaderCell>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {rows.map((row) => (
                        <TableRow key={row.what} data-testid={`plan-counts-${row.what.toLowerCase()}`}>
                          <TableCell>{row.what}</TableCell>
                          <TableCell className={styles.number}>{row.created}</TableCell>
                          <TableCell className={styles.number}>{row.updated}</TableCell>
                          <TableCell className={styles.number}>{row.disabled}</TableCell>
                          <TableCell className={styles.number}>{row.deleted}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </div>
                {plan.held.map((held) => (
                  <MessageBar key={held.kind} intent="warning" layout="multiline">
                    <MessageBarBody>
                      The accidental-deletion threshold ({held.threshold}) would hold back {held.count}{' '}
                      {held.kind === 'deprovisioning'
                        ? 'deprovisioning actions'
                        : held.kind === 'downgrade'
                          ? 'role downgrades'
                          : 'membership removals'}
                      .
                    </MessageBarBody>
                  </MessageBar>
                ))}
                {plan.warnings.map((warning) => (
                  <MessageBar key={warning.sourceId} intent="warning" layout="multiline">
                    <MessageBarBody>{warning.message}</MessageBarBody>
                  </MessageBar>
                ))}
                <Text as="h3" weight="semibold" block className={styles.section}>
                  Users
                </Text>
                {plan.users.length === 0 ? (
                  <Text className={styles.muted}>No user would change.</Text>
                ) : (
                  <div className={styles.scroll}>
                    <Table size="small" aria-label="Users">
                      <TableHeader>
                        <TableRow>
                          <TableHeaderCell>Name</TableHeaderCell>
                          <TableHeaderCell>Action</TableHeaderCell>
                          <TableHeaderCell>Details</TableHeaderCell>
                        </TableRow>
                      </TableHeader>
                      <TableBody>
                        {plan.users.map((user) => (
                          <TableRow key={user.sourceId}>
                            <TableCell>{user.displayName}</TableCell>
                            <TableCell>
                              {actionLabel(user.action, user.provisioningAction, user.status)}
                            </TableCell>
                            <TableCell>
                              {user.error?.reason ??
                                (user.modifiedProperties.length > 0
                                  ? user.modifiedProperties.map((p) => p.displayName).join(', ')
                                  : user.description)}
                            </TableCell>
                          </TableRow>
                        ))}
                      </TableBody>
                    </Table>
                  </div>
                )}
                {groups.length > 0 && (
                  <>
                    <Text as="h3" weight="semibold" block className={styles.section}>
                      Groups
                    </Text>
                    <div className={styles.scroll}>
                      <Table size="small" aria-label="Groups">
                        <TableHeader>
                          <TableRow>
                            <TableHeaderCell>Name</TableHeaderCell>
                            <TableHeaderCell>Action</TableHeaderCell>
                            <TableHeaderCell>Details</TableHeaderCell>
                          </TableRow>
                        </TableHeader>
                        <TableBody>
                          {groups.map((group) => (
                            <TableRow key={group.sourceId}>
                              <TableCell>{group.displayName}</TableCell>
                              <TableCell>{actionLabel(group.action, '', group.status)}</TableCell>
                              <TableCell>{group.error?.reason ?? group.reason}</TableCell>
                            </TableRow>
                          ))}
                        </TableBody>
                      </Table>
                    </div>
                  </>
                )}
              </div>
            )}
          </DialogContent>
          <DialogActions>
            <Button
              appearance="primary"
              onClick={onConfirm}
              disabled={busy || plan === undefined || (error !== undefined && error !== null)}
            >
              {busy ? 'Saving…' : 'Save'}
            </Button>
            <Button onClick={onCancel} disabled={busy}>
              Cancel
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
