/** What a cycle, an operation or provisioning on demand runs with: the ports, wired by a composition root. */
import type { Clock } from './clock.js';
import type { Notifier } from './notifier.js';
import type { GroupSourceConnector, SourceConnector } from './source.js';
import type { StateStore } from './state.js';
import type { GroupTargetConnector, TargetConnector } from './target.js';

export interface EngineDeps {
  readonly source: SourceConnector & GroupSourceConnector;
  readonly target: TargetConnector & GroupTargetConnector;
  readonly store: StateStore;
  readonly clock: Clock;
  /** Sends quarantine and failure e-mails (settings.notificationEmail); absent: none are sent. */
  readonly notifier?: Notifier;
}
