import type { ConnectionCheck, ConnectionStep } from '../ports/common.js';

/**
 * A connection test's outcome from its steps: ok when every required step passed (a step without a
 * level is required); an optional step that failed is a warning and leaves it ok.
 */
export function connectionCheck(steps: readonly ConnectionStep[]): ConnectionCheck {
  return { ok: steps.every((step) => step.ok || step.level === 'optional'), steps };
}
