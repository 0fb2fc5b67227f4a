/** How the provisioning logs page words an entry's values (Entra's portal words where it has them). */
import type { BadgeProps } from '@fluentui/react-components';
import type { components } from '../../api/schema';

export type LogEntry = components['schemas']['provisioningObjectSummary'];
export type LogStep = LogEntry['provisioningSteps'][number];

export const statusLabels: Record<string, string> = {
  success: 'Success',
  failure: 'Failure',
  skipped: 'Skipped',
  warning: 'Warning',
};

export const statusColors: Record<string, BadgeProps['color']> = {
  success: 'success',
  failure: 'danger',
  skipped: 'informative',
  warning: 'warning',
};

export const actionLabels: Record<string, string> = {
  create: 'Create',
  update: 'Update',
  delete: 'Delete',
  disable: 'Disable',
  stagedDelete: 'StagedDelete',
  other: 'Other',
};

/** The local date and time, as the portal shows it. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function identityName(identity: LogEntry['sourceIdentity']): string {
  return identity.displayName || identity.id || '—';
}

/** A step's title as Entra's portal shows it ("Import user", "Perform action"…). */
export function stepTitle(step: LogStep, entry: LogEntry): string {
  const kind = (entry.sourceIdentity.identityType || 'object').toLowerCase();
  switch (step.provisioningStepType) {
    case 'import':
      return `Import ${kind}`;
    case 'scoping':
      return `Determine if ${kind} is in scope`;
    case 'matching':
      return `Match ${kind} between source and target system`;
    case 'processing':
      return `Process ${kind}`;
    case 'referenceResolution':
      return 'Resolve references';
    case 'export':
      return 'Perform action';
    default:
      return step.name;
  }
}
