import { randomBytes } from 'node:crypto';
import type { SsoConfiguration, SsoConfigurationInput } from './config.js';
import { iatSkewMs } from './jwt.js';

/** One sign-in attempt at `/access/jwt`, for `GET /__emulator/sso/events`. */
export interface SsoEvent {
  /** ISO-8601 time on the emulator's clock. */
  at: string;
  outcome: 'signed-in' | 'refused';
  reason?: string;
  email?: string;
  userId?: number;
}

export interface SsoSession {
  readonly userId: number;
  /** Emulator-clock milliseconds. */
  readonly createdAt: number;
  /** The configuration that signed the user in (its remote logout URL applies at sign-out). */
  readonly configurationId: number;
}

/** What the data file keeps of single sign-on (sessions and events are not kept). */
export interface SsoSnapshot {
  configurations: SsoConfiguration[];
  nextId: number;
  usedJtis: [string, number][];
}

const idBase = 40_000_000_000_000;
const maxEvents = 1000;

/**
 * The account's single sign-on state: configurations, the token ids already used (replay protection),
 * browser sessions and the recent sign-in attempts.
 */
export class SsoState {
  configurations: SsoConfiguration[] = [];
  private nextId = idBase;
  /** jti → emulator-clock ms after which the token's `iat` is out of the window anyway. */
  private readonly usedJtis = new Map<string, number>();
  private readonly sessions = new Map<string, SsoSession>();
  private readonly eventList: SsoEvent[] = [];

  /** Replaces every configuration; ids continue from the last one handed out. */
  replace(inputs: readonly SsoConfigurationInput[]): void {
    this.configurations = inputs.map((input) => {
      this.nextId += 1;
      return { id: this.nextId, ...input };
    });
  }

  /** Back to the given configurations with ids starting over, no used token ids, sessions or events. */
  reset(inputs: readonly SsoConfigurationInput[]): void {
    this.nextId = idBase;
    this.usedJtis.clear();
    this.sessions.clear();
    this.eventList.length = 0;
    this.replace(inputs);
  }

  get active(): SsoConfiguration[] {
    return this.configurations.filter((c) => c.active);
  }

  /** The active configuration serving an audience, if any. */
  forAudience(audience: 'teamMembers' | 'endUsers'): SsoConfiguration | undefined {
    return this.configurations.find((c) => c.active && c[audience]);
  }

  jtiSeen(jti: string): boolean {
    return this.usedJtis.has(jti);
  }

  /**
   * Remembers an accepted token id. A replay is refused by the timestamp check anyway once the token's
   * `iat` has left the window; ids are kept a day beyond that, so that moving the emulator's clock back
   * through the control plane does not make a spent token usable again.
   */
  rememberJti(jti: string, iatSeconds: number, nowMs: number): void {
    for (const [key, until] of this.usedJtis) if (until < nowMs - 24 * 3_600_000) this.usedJtis.delete(key);
    this.usedJtis.set(jti, iatSeconds * 1000 + iatSkewMs);
  }

  openSession(userId: number, configurationId: number, nowMs: number): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { userId, createdAt: nowMs, configurationId });
    return id;
  }

  session(id: string | undefined): SsoSession | undefined {
    return id === undefined ? undefined : this.sessions.get(id);
  }

  closeSession(id: string): void {
    this.sessions.delete(id);
  }

  /** Sessions by user, oldest first (session ids are secrets and are not listed). */
  listSessions(): SsoSession[] {
    return [...this.sessions.values()];
  }

  record(event: SsoEvent): void {
    this.eventList.push(event);
    if (this.eventList.length > maxEvents) this.eventList.splice(0, this.eventList.length - maxEvents);
  }

  get events(): readonly SsoEvent[] {
    return this.eventList;
  }

  clearEvents(): void {
    this.eventList.length = 0;
  }

  snapshot(): SsoSnapshot {
    return {
      configurations: this.configurations.map((c) => ({ ...c })),
      nextId: this.nextId,
      usedJtis: [...this.usedJtis],
    };
  }

  restore(data: SsoSnapshot): void {
    this.configurations = data.configurations.map((c) => ({ ...c }));
    this.nextId = Math.max(idBase, data.nextId, ...data.configurations.map((c) => c.id));
    this.usedJtis.clear();
    for (const [jti, until] of data.usedJtis) this.usedJtis.set(jti, until);
    this.sessions.clear();
    this.eventList.length = 0;
  }
}
