/** A clock whose time moves only when a test says so; `sleep` resolves when the time is reached. */
import type { Clock } from '../../src/ports/clock.js';

interface Timer {
  readonly at: number;
  readonly resolve: () => void;
}

/** Lets pending promise chains (store calls, renewals) run to completion. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  #now: number;
  #timers: Timer[] = [];

  constructor(start: string | Date) {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const aborted = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve();
      };
      const timer: Timer = {
        at: this.#now + ms,
        resolve: () => {
          signal?.removeEventListener('abort', aborted);
          resolve();
        },
      };
      this.#timers.push(timer);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  /** Sleepers waiting now. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, waking each sleeper in time order and letting it run. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.resolve();
    }
    this.#now = end;
    await settle();
  }
}
