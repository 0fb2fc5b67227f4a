/**
 * A running `sync` and its configuration file (docs/operations.md#changing-the-configuration): the
 * file is looked at again before each cycle and on SIGHUP. A cheap look first (modification time and
 * size), then its text's SHA-256: only a changed text is validated. A valid change replaces the
 * configuration; an invalid one is reported once, and the configuration running goes on.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { type Clock, type CompiledJob, ConfigError } from '@provisio/engine';
import { parseDocument } from 'yaml';
import { compileDocument } from './load-job.js';
import type { SmtpSettings } from './notify/smtp.js';
import type { Environment } from './secrets.js';

/** A configuration read from the file and validated. */
export interface ReloadedConfig {
  readonly job: CompiledJob;
  readonly smtp: SmtpSettings | null;
  readonly warnings: readonly string[];
}

export type ReloadResult =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'changed'; readonly config: ReloadedConfig }
  /** `reported`: this text was refused before (the error is not repeated at every look). */
  | { readonly kind: 'invalid'; readonly message: string; readonly reported: boolean };

interface Seen {
  readonly mtimeMs: number;
  readonly size: number;
  readonly hash: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Watches one configuration file for the job `jobId`, starting from the text the job runs with. */
export class ConfigFileWatcher {
  private seen: Seen | undefined;
  /** The text the running configuration came from. */
  private appliedHash: string | undefined;

  constructor(
    private readonly path: string,
    private readonly env: Environment,
    private readonly jobId: string,
  ) {}

  /** Records the file as it is now as the running configuration's (call at start). */
  async start(): Promise<void> {
    const now = await this.look();
    this.seen = now;
    this.appliedHash = now?.hash;
  }

  /**
   * Looks at the file: `force` (SIGHUP) reads the text even when its time and size are unchanged.
   * A valid changed text becomes the running one; an invalid text is remembered so that it is
   * reported once.
   */
  async check(force = false): Promise<ReloadResult> {
    let info: { mtimeMs: number; size: number };
    try {
      info = await stat(this.path);
    } catch (error) {
      return this.refused(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const previous = this.seen;
    if (!force && previous && previous.mtimeMs === info.mtimeMs && previous.size === info.size)
      return { kind: 'unchanged' };
    const now = await this.look();
    if (now === undefined) return this.refused('cannot be read');
    const reported = previous?.hash === now.hash && now.hash !== this.appliedHash;
    this.seen = now;
    if (now.hash === this.appliedHash) return { kind: 'unchanged' };
    try {
      const document = parseDocument(now.text, { prettyErrors: true });
      if (document.errors.length > 0)
        throw new ConfigError(
          this.path,
          document.errors.map((e) => ({
            path: '',
            message: `YAML: ${e.message.split('\n')[0] ?? e.message}`,
          })),
        );
      const compiled = await compileDocument(document.toJS(), this.path, this.env, 'resolve');
      if (compiled.job.settings.jobId !== this.jobId)
        throw new ConfigError(this.path, [
          {
            path: 'settings.jobId',
            message: `the job id would change from ${this.jobId} to ${compiled.job.settings.jobId} (settings.jobId or target.domain changed): a running sync keeps its job; stop it and start sync again to run the other job`,
          },
        ]);
      this.appliedHash = now.hash;
      return { kind: 'changed', config: compiled };
    } catch (error) {
      return { kind: 'invalid', message: error instanceof Error ? error.message : String(error), reported };
    }
  }

  private refused(why: string): ReloadResult {
    return { kind: 'invalid', message: `${this.path} ${why}`, reported: false };
  }

  private async look(): Promise<(Seen & { text: string }) | undefined> {
    try {
      const [info, text] = await Promise.all([stat(this.path), readFile(this.path, 'utf8')]);
      return { mtimeMs: info.mtimeMs, size: info.size, hash: sha256(text), text };
    } catch {
      return undefined;
    }
  }
}

/**
 * `sync`'s side of reloading: the engine's loop (`runSyncLoop`) runs with a configuration, so a new
 * one starts a new loop. The loop is stopped only while it waits between cycles (its sleeps carry
 * the loop's signal; a cycle's own waits do not, and are left alone): when the next cycle is due and
 * the file holds a new valid configuration, or at once on SIGHUP, which also starts the next cycle
 * early. A cycle is never cut short. The store, the lease and the job's state are the job's, so the
 * next loop goes on where the last left off (docs/operations.md#changing-the-configuration).
 */
export class ReloadingSync {
  private readonly watcher: ConfigFileWatcher;
  private current: AbortController | undefined;
  private pending: ReloadedConfig | undefined;
  /** When the loop's next cycle is due (epoch ms): the file is looked at then. */
  private dueAt = 0;
  /** SIGHUP came during a cycle: the file is read when it ends. */
  private hupPending = false;
  private wake: (() => void) | undefined;
  /** Passes sync's stop on to the current loop. */
  private unlink: (() => void) | undefined;
  private readonly onHangup = () => this.hangup();

  constructor(
    private readonly path: string,
    env: Environment,
    jobId: string,
    private readonly stopSignal: AbortSignal,
    private readonly audit: (entry: { result: 'success' | 'failure'; summary: string }) => Promise<void>,
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    this.watcher = new ConfigFileWatcher(path, env, jobId);
  }

  async start(): Promise<void> {
    await this.watcher.start();
    process.on('SIGHUP', this.onHangup);
  }

  stop(): void {
    process.off('SIGHUP', this.onHangup);
    if (this.unlink) this.stopSignal.removeEventListener('abort', this.unlink);
  }

  /** The signal of the next loop: aborted to stop it between cycles, or when sync stops. */
  segment(): AbortSignal {
    if (this.unlink) this.stopSignal.removeEventListener('abort', this.unlink);
    const controller = new AbortController();
    this.unlink = () => controller.abort();
    if (this.stopSignal.aborted) controller.abort();
    else this.stopSignal.addEventListener('abort', this.unlink, { once: true });
    this.current = controller;
    return controller.signal;
  }

  /** A cycle started. */
  busy(): void {
    this.dueAt = Number.POSITIVE_INFINITY;
  }

  /** The loop waits `ms` before its next attempt. */
  idle(ms: number): void {
    this.dueAt = Date.now() + Math.max(0, ms);
  }

  /** The configuration to run the next loop with, if the file changed. */
  take(): ReloadedConfig | undefined {
    const next = this.pending;
    this.pending = undefined;
    return next;
  }

  /** `base` with the loop's waits made wakeable by SIGHUP and followed by a look at the file. */
  clock(base: Clock): Clock {
    return {
      now: () => base.now(),
      sleep: async (ms, signal) => {
        const loop = this.current;
        if (loop === undefined || signal !== loop.signal) return base.sleep(ms, signal);
        if (this.hupPending) {
          this.hupPending = false;
          await this.look(true);
        }
        const inner = new AbortController();
        const forward = () => inner.abort();
        signal.addEventListener('abort', forward, { once: true });
        let hup = false;
        this.wake = () => {
          hup = true;
          inner.abort();
        };
        try {
          await base.sleep(ms, inner.signal);
        } finally {
          this.wake = undefined;
          signal.removeEventListener('abort', forward);
        }
        if (signal.aborted) return;
        if (hup) {
          await this.look(true);
          loop.abort();
          return;
        }
        // A loop's wait is cut in steps (the allow-deletes poll): the file is looked at when the
        // next cycle is due, not at every step.
        if (Date.now() >= this.dueAt - 1000) {
          await this.look(false);
          if (this.pending !== undefined) loop.abort();
        }
      },
    };
  }

  private hangup(): void {
    this.write(`SIGHUP: reading ${this.path} again`);
    if (this.wake) this.wake();
    else this.hupPending = true;
  }

  /** Looks at the file, reports what it found, and keeps a valid new configuration as pending. */
  private async look(force: boolean): Promise<void> {
    const result = await this.watcher.check(force);
    if (result.kind === 'unchanged') {
      if (force) this.write(`${this.path} is unchanged: the next cycle runs with the same configuration`);
      return;
    }
    if (result.kind === 'changed') {
      this.pending = result.config;
      for (const warning of result.config.warnings) this.write(`warning: ${warning}`);
      this.write(`configuration reloaded from ${this.path}: the next cycle runs with it`);
      await this.audit({
        result: 'success',
        summary: `The configuration file ${this.path} changed and was reloaded by the running sync.`,
      }).catch(() => {});
      return;
    }
    if (result.reported && !force) return;
    this.write(
      `error: ${this.path} changed but is not valid; the running configuration is kept (fix the file: it is read again before the next cycle, or at once with SIGHUP):\n${result.message}`,
    );
    await this.audit({
      result: 'failure',
      summary: `The configuration file ${this.path} changed but is not valid; the running sync kept its configuration. ${result.message}`,
    }).catch(() => {});
  }
}
