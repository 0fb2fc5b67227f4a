/**
 * `provisio sync`: cycles one after another, the first one initial (it rebuilds the target index and
 * re-reads the source), then incremental every `settings.interval`. A failed cycle does not stop the
 * loop: the next one retries from the same watermark.
 */
import type { Config } from '../config/load.js';
import {
  type CycleOptions,
  type CycleReport,
  type EngineDeps,
  type JobCache,
  runCycle,
} from './run-cycle.js';

export interface SyncLoopOptions {
  /** Run one cycle and return. */
  readonly once?: boolean;
  readonly signal?: AbortSignal;
  readonly onCycleStart?: (cycle: number) => void;
  readonly onCycle?: (report: CycleReport) => void;
  readonly onError?: (error: unknown) => void;
  readonly onProgress?: CycleOptions['onProgress'];
  readonly servicePrincipalName?: string;
}

export async function runSyncLoop(
  deps: EngineDeps,
  config: Config,
  options: SyncLoopOptions = {},
): Promise<CycleReport[]> {
  const cache: JobCache = { index: null };
  const reports: CycleReport[] = [];
  // Initial until one cycle has completed in this process (a failed first cycle reconciled nothing).
  let reconciled = false;
  for (let cycle = 1; !options.signal?.aborted; cycle++) {
    options.onCycleStart?.(cycle);
    try {
      const report = await runCycle(deps, config, {
        cache,
        forceInitial: !reconciled,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.servicePrincipalName ? { servicePrincipalName: options.servicePrincipalName } : {}),
      });
      reports.push(report);
      reconciled = true;
      options.onCycle?.(report);
    } catch (error) {
      // The cycle is recorded as failed in the store; the index may be stale: rebuild it next time.
      cache.index = null;
      if (options.once) throw error;
      options.onError?.(error);
    }
    if (options.once) break;
    await deps.clock.sleep(config.settings.intervalMs, options.signal);
  }
  return reports;
}
