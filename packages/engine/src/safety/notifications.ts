/**
 * The e-mails provisio sends: each says what happened, how many objects, and what to do. Operations
 * are named in neutral words, "(resume)"; `present` turns them into what the reader can run (the
 * command line gives `presentOperations` with its commands), and leaves them as they are by default.
 */
import type { Notification } from '../ports/notifier.js';
import { explainQuarantine, type QuarantineState } from './quarantine.js';

export function quarantineNotification(
  jobId: string,
  quarantine: QuarantineState,
  changedFrom: string | null,
  present: (text: string) => string = (text) => text,
): Notification {
  const { what, fix } = explainQuarantine(quarantine.reason);
  const lines = [
    changedFrom === null
      ? `The provisioning job ${jobId} is in quarantine since ${quarantine.currentBegan}.`
      : `The quarantine reason of provisioning job ${jobId} changed from ${changedFrom} to ${quarantine.reason}.`,
    '',
    `Reason: ${quarantine.reason}. ${what}`,
    `Objects involved: ${quarantine.error.objects}.`,
    `Error: ${quarantine.error.code}: ${quarantine.error.message}`,
    ...(quarantine.error.failingRequests.length > 0
      ? ['Failing requests:', ...quarantine.error.failingRequests.map((r) => `  ${r}`)]
      : []),
    '',
    `What to do: ${present(fix)}`,
    `Next attempt: ${quarantine.nextAttempt} (cycles back off while the job is quarantined).`,
  ];
  return {
    subject:
      changedFrom === null
        ? `[provisio] ${jobId} quarantined: ${quarantine.reason}`
        : `[provisio] ${jobId} quarantine reason changed: ${quarantine.reason}`,
    text: `${lines.join('\n')}\n`,
  };
}

export function failureNotification(
  jobId: string,
  cycleId: string,
  failures: readonly { readonly displayName: string; readonly code: string; readonly message: string }[],
  present: (text: string) => string = (text) => text,
): Notification {
  const byCode = new Map<string, number>();
  for (const failure of failures) byCode.set(failure.code, (byCode.get(failure.code) ?? 0) + 1);
  const lines = [
    `Cycle ${cycleId} of provisioning job ${jobId} could not provision ${failures.length} object${failures.length === 1 ? '' : 's'}.`,
    '',
    ...[...byCode].map(([code, count]) => `  ${code}: ${count}`),
    '',
    'First failures:',
    ...failures.slice(0, 10).map((f) => `  ${f.displayName}: ${f.code}: ${f.message}`),
    '',
    present(
      "What to do: provisio retries them on its back-off schedule; the provisioning log's failures (logs-failures) show each one with its recommended action, and the job's status (status) lists the retries.",
    ),
  ];
  return {
    subject: `[provisio] ${jobId}: ${failures.length} provisioning failure${failures.length === 1 ? '' : 's'}`,
    text: `${lines.join('\n')}\n`,
  };
}

/**
 * The credentials' owner left scope: provisio did not touch
 * them, and the administrator should move the target credentials to someone else before that
 * person's account goes (docs/provisioning.md, "The credentials' owner").
 */
export function credentialOwnerNotification(
  jobId: string,
  cycleId: string,
  warnings: readonly {
    readonly displayName: string;
    readonly message: string;
    readonly recommendedAction: string;
  }[],
  present: (text: string) => string = (text) => text,
): Notification {
  const first = warnings[0];
  const lines = [
    `The owner of the credentials provisioning job ${jobId} uses for the target left scope in cycle ${cycleId}. provisio did not deprovision them, so that it keeps working; once their account is suspended or removed in the target, provisio stops working.`,
    '',
    ...warnings.map((w) => `  ${w.displayName}: ${w.message}`),
    '',
    `What to do: ${present(first?.recommendedAction ?? '')}`,
  ];
  return {
    subject: `[provisio] ${jobId}: the owner of its target credentials left scope`,
    text: `${lines.join('\n')}\n`,
  };
}
