/** The emulators' clock: real time plus an offset that tests move through the control plane. */
export class EmulatorClock {
  offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** ISO-8601 UTC without milliseconds, as Zendesk and Graph print timestamps. */
  iso(ms: number = this.now()): string {
    return `${new Date(ms).toISOString().slice(0, 19)}Z`;
  }
}
