/** A fixed one-minute window, as Zendesk's per-minute budgets behave. */
export class RateWindow {
  private start = 0;
  private used = 0;

  constructor(
    public limit: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Takes one request from the budget at time `now` (ms). */
  take(now: number): { allowed: boolean; remaining: number; resetSeconds: number } {
    if (now - this.start >= this.windowMs) {
      this.start = now;
      this.used = 0;
    }
    const resetSeconds = Math.max(1, Math.ceil((this.start + this.windowMs - now) / 1000));
    if (this.used >= this.limit) return { allowed: false, remaining: 0, resetSeconds };
    this.used += 1;
    return { allowed: true, remaining: this.limit - this.used, resetSeconds };
  }

  /** The budget as headers would report it now, without taking from it. */
  peek(now: number): { remaining: number; resetSeconds: number } {
    if (now - this.start >= this.windowMs) return { remaining: this.limit, resetSeconds: 60 };
    return {
      remaining: Math.max(0, this.limit - this.used),
      resetSeconds: Math.max(1, Math.ceil((this.start + this.windowMs - now) / 1000)),
    };
  }

  reset(): void {
    this.start = 0;
    this.used = 0;
  }
}

/** Per-key windows, e.g. "5 updates a minute for each user". Old keys are dropped lazily. */
export class KeyedRateWindows {
  private readonly windows = new Map<string, RateWindow>();

  constructor(
    readonly limit: number,
    private readonly windowMs = 60_000,
  ) {}

  take(key: string, now: number): { allowed: boolean; remaining: number; resetSeconds: number } {
    let window = this.windows.get(key);
    if (!window) {
      if (this.windows.size > 100_000) this.windows.clear();
      window = new RateWindow(this.limit, this.windowMs);
      this.windows.set(key, window);
    }
    return window.take(now);
  }

  reset(): void {
    this.windows.clear();
  }
}
