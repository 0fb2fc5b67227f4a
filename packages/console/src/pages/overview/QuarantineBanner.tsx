/**
 * A quarantined job, explained (docs/provisioning.md#quarantine): the reason in words, the error,
 * since when, the next attempt, and what to do. For the accidental-deletion threshold (TooManyDeletes)
 * the users held back are listed and "Allow deletes" restarts the job with resetScope ForceDeletes.
 */
import {
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Text,
} from '@fluentui/react-components';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call } from '../../api/client';
import type { components } from '../../api/schema';
import { ErrorMessage } from '../../components/ErrorMessage';
import { dateTime } from './format';

type Quarantine = components['schemas']['synchronizationQuarantine'];

const reasons: Record<string, { title: string; todo: string }> = {
  TooManyDeletes: {
    title: 'Accidental deletion threshold exceeded',
    todo: 'The cycle held back more deprovisioning than the accidental-deletion threshold allows: nothing of it was done. If it is intended, select Allow deletes and the next cycle carries it out. If it is not, fix the assignments or scoping filters, then Restart provisioning.',
  },
  EncounteredQuarantineException: {
    title: 'The credentials were refused',
    todo: 'Microsoft Entra ID or Zendesk refused the saved credentials. Fix the Admin Credentials on the Provisioning page (Test Connection says which), then Start provisioning.',
  },
  EncounteredEscrowProportionThreshold: {
    title: 'Too many requests failed',
    todo: 'Most of what the cycle tried to write failed. Read the failing requests below and the provisioning logs, fix the cause, then Restart provisioning.',
  },
};

export function QuarantineBanner({
  spId,
  jobId,
  quarantine,
  lastCycleId,
  canOperate,
  onChanged,
}: {
  spId: string;
  jobId: string;
  quarantine: Quarantine;
  lastCycleId: string | null;
  canOperate: boolean;
  onChanged(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [allowed, setAllowed] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const known = reasons[quarantine.reason];
  const tooManyDeletes = quarantine.reason === 'TooManyDeletes';
  const held = useQuery({
    queryKey: ['held', jobId, lastCycleId],
    enabled: tooManyDeletes,
    queryFn: () =>
      call(
        api.GET('/v1.0/auditLogs/provisioning', {
          params: {
            query: {
              $filter: `jobId eq '${jobId}' and provisioningAction eq 'stagedDelete'${lastCycleId === null ? '' : ` and cycleId eq '${lastCycleId}'`}`,
              $top: 10,
            },
          },
        }),
      ),
  });

  const allowDeletes = async () => {
    setBusy(true);
    setError(null);
    try {
      await call(
        api.POST('/v1.0/servicePrincipals/{spId}/synchronization/jobs/{jobId}/restart', {
          params: { path: { spId, jobId } },
          body: { criteria: { resetScope: 'ForceDeletes' } },
        }),
      );
      setAllowed(true);
      onChanged();
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  };

  const heldNames =
    held.data?.value.map((entry) => entry.sourceIdentity.displayName || entry.sourceIdentity.id) ?? [];
  return (
    <MessageBar intent="error" layout="multiline" data-testid="quarantine-banner">
      <MessageBarBody>
        <MessageBarTitle>Quarantine: {known?.title ?? quarantine.reason}</MessageBarTitle>
        {quarantine.error !== null && (
          <Text block>
            {quarantine.error.code}: {quarantine.error.message}
          </Text>
        )}
        <Text block size={200}>
          Reason {quarantine.reason} · in quarantine since {dateTime(quarantine.currentBegan)} · next attempt{' '}
          {dateTime(quarantine.nextAttempt)}
        </Text>
        {heldNames.length > 0 && (
          <Text block size={200}>
            Held back: {heldNames.join(', ')}
          </Text>
        )}
        <Text block style={{ marginTop: 4 }}>
          What to do:{' '}
          {known?.todo ??
            'Read the error and the provisioning logs, fix the cause, then Restart provisioning.'}
        </Text>
        {allowed && (
          <Text block weight="semibold" role="status">
            Deletes allowed: the next cycle carries them out and lifts the quarantine.
          </Text>
        )}
        {error !== null && <ErrorMessage error={error} title="Deletes could not be allowed" />}
      </MessageBarBody>
      {tooManyDeletes && (
        <MessageBarActions>
          <Button appearance="primary" disabled={!canOperate || busy || allowed} onClick={allowDeletes}>
            Allow deletes
          </Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}
