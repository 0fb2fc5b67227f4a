/**
 * The admin API's view of jobs. Graph's synchronization jobs belong to a service principal (the
 * Zendesk enterprise application); provisio's jobs are job definitions. A job created through the
 * API (`POST .../synchronization/jobs`) is a `synchronization_jobs` row and, until credentials make
 * it whole, a *draft* (its settings and mappings so far); once configured, its job definition is the
 * truth. A job imported with `provisio jobs import` has a definition and no row: it belongs to the
 * service principal its definition names (`source.servicePrincipalId`).
 */
import type {
  JobDefinition,
  JobDefinitionChange,
  JobDefinitionRecord,
  StateStore,
  SynchronizationJobRecord,
} from '@provisio/engine';

/** The parts of a definition that exist before credentials do. */
export interface JobSections {
  readonly displayName?: string;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly mappings?: Readonly<Record<string, unknown>>;
}

export interface CatalogJob {
  readonly jobId: string;
  readonly servicePrincipalId: string;
  readonly templateId: string;
  /** The stored definition, when the job is configured. */
  readonly record: JobDefinitionRecord | null;
  /** The sections: the definition's when configured, else the draft's. */
  readonly sections: JobSections;
  readonly createdAt: string;
}

export const ZENDESK_TEMPLATE_ID = 'zendesk';

function sectionsOf(definition: JobDefinition): JobSections {
  return {
    ...(definition.displayName === undefined ? {} : { displayName: definition.displayName }),
    settings: definition.settings,
    mappings: definition.mappings,
  };
}

function catalogJob(
  row: SynchronizationJobRecord | null,
  record: JobDefinitionRecord | null,
): CatalogJob | null {
  if (row === null && record === null) return null;
  return {
    jobId: row?.jobId ?? record?.jobId ?? '',
    servicePrincipalId: row?.servicePrincipalId ?? record?.definition.source.servicePrincipalId ?? '',
    templateId: row?.templateId ?? ZENDESK_TEMPLATE_ID,
    record,
    sections: record !== null ? sectionsOf(record.definition) : ((row?.draft ?? {}) as JobSections),
    createdAt: row?.createdAt ?? record?.createdAt ?? '',
  };
}

export async function findJob(store: StateStore, jobId: string): Promise<CatalogJob | null> {
  const [row, record] = await Promise.all([
    store.getSynchronizationJob(jobId),
    store.getJobDefinition(jobId),
  ]);
  return catalogJob(row, record);
}

/**
 * A service principal's jobs, or every job when `servicePrincipalId` is omitted, by job id; the
 * service principal id compares without case (a GUID).
 */
export async function listJobs(store: StateStore, servicePrincipalId?: string): Promise<CatalogJob[]> {
  const sp = servicePrincipalId?.toLowerCase();
  const [rows, records] = await Promise.all([store.listSynchronizationJobs(), store.listJobDefinitions()]);
  const byId = new Map<
    string,
    { row: SynchronizationJobRecord | null; record: JobDefinitionRecord | null }
  >();
  for (const row of rows) byId.set(row.jobId, { row, record: null });
  for (const record of records) byId.set(record.jobId, { row: byId.get(record.jobId)?.row ?? null, record });
  return [...byId.values()]
    .map(({ row, record }) => catalogJob(row, record))
    .filter(
      (job): job is CatalogJob =>
        job !== null && (sp === undefined || job.servicePrincipalId.toLowerCase() === sp),
    )
    .sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
}

/**
 * Saves new sections: into the definition when the job is configured (the caller validated the
 * whole definition and passes it), else into the draft.
 */
export async function saveSections(
  store: StateStore,
  job: CatalogJob,
  sections: JobSections,
  change: JobDefinitionChange,
  whole?: JobDefinition,
): Promise<void> {
  if (job.record !== null) {
    if (whole === undefined) throw new TypeError(`job ${job.jobId} is configured: pass the whole definition`);
    await store.saveJobDefinition(whole, { ...change, ifRevision: job.record.revision });
    return;
  }
  await store.saveSynchronizationJob({
    jobId: job.jobId,
    servicePrincipalId: job.servicePrincipalId,
    templateId: job.templateId,
    draft: { ...sections },
    createdAt: job.createdAt,
  });
}
