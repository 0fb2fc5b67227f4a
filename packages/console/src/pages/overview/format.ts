/** Dates, durations and words shared by the Overview page's parts. */

export function dateTime(value: string | null | undefined): string {
  if (value === null || value === undefined || value.startsWith('0001-')) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A cycle's kind as Entra words it: "Initial cycle", "Incremental cycle". */
export function kindLabel(kind: 'initial' | 'incremental' | undefined): string {
  return kind === 'initial' ? 'Initial cycle' : 'Incremental cycle';
}

/** A cycle's state in words. */
export const stateLabels: Record<string, string> = {
  running: 'In progress',
  succeeded: 'Succeeded',
  entryLevelErrors: 'Completed with errors',
  held: 'Held (deletion threshold)',
  failed: 'Failed',
  Succeeded: 'Succeeded',
  EntryLevelErrors: 'Completed with errors',
  Failed: 'Failed',
};
