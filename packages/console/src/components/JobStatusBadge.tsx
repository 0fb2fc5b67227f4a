/**
 * A job's status as Entra's portal words it: Active, Paused, Quarantine, NotRun, NotConfigured
 * (Graph's synchronizationStatus.code), with "Running" while a cycle is in progress.
 */
import { Badge, type BadgeProps } from '@fluentui/react-components';
import type { components } from '../api/schema';

type Job = components['schemas']['synchronizationJob'];

const colors: Record<string, BadgeProps['color']> = {
  Active: 'success',
  Paused: 'warning',
  Quarantine: 'danger',
  NotRun: 'informative',
  NotConfigured: 'subtle',
};

export function JobStatusBadge({ job }: { job: Job }) {
  const code = job.status.code;
  const running = (job.status.progress?.length ?? 0) > 0;
  return (
    <Badge appearance="filled" color={colors[code] ?? 'informative'} data-testid="job-status">
      {running ? `${code} · Running` : code}
    </Badge>
  );
}
