/**
 * Cycle progress: a progress bar on a terminal (cli-progress), plain lines otherwise (logs, CI),
 * one line per phase so that piped output stays readable.
 */

import type { CycleProgress } from '@provisio/engine';
import cliProgress from 'cli-progress';

const phaseNames: Record<CycleProgress['phase'], string> = {
  source: 'reading Entra ID',
  target: 'reading Zendesk',
  plan: 'planning',
  export: 'writing to Zendesk',
  groups: 'groups and members',
  save: 'saving state',
};

export class ProgressView {
  readonly #stream: NodeJS.WriteStream;
  #bar: cliProgress.SingleBar | null = null;
  #phase: CycleProgress['phase'] | null = null;
  #title = '';

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
  }

  start(title: string): void {
    this.#title = title;
    this.#phase = null;
    if (!this.#stream.isTTY) this.#stream.write(`${title} started\n`);
  }

  update(progress: CycleProgress): void {
    const label = phaseNames[progress.phase];
    if (!this.#stream.isTTY) {
      if (progress.phase !== this.#phase) this.#stream.write(`  ${label}…\n`);
      this.#phase = progress.phase;
      return;
    }
    if (progress.phase !== this.#phase) {
      this.#bar?.stop();
      this.#bar = new cliProgress.SingleBar(
        {
          stream: this.#stream,
          format: `${this.#title}: ${label.padEnd(18)} [{bar}] {value}/{total}`,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(progress.total ?? 0, progress.done);
      this.#phase = progress.phase;
    }
    if (progress.total !== null) this.#bar?.setTotal(progress.total);
    else this.#bar?.setTotal(Math.max(progress.done, 1));
    this.#bar?.update(progress.done);
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = null;
    this.#phase = null;
  }
}
