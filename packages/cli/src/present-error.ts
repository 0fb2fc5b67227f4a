/**
 * How the command line presents errors. The engine names operations on a job in neutral words
 * followed by the operation's id, "allow the staged deletions (allow-deletes)"; here each id becomes
 * the command that runs it, "(npx provisio allow-deletes)". This is also where every package's
 * error catalogue is visible, so the full registry is built here (docs/provisioning.md, "Error codes").
 */
import {
  type ErrorInfo,
  type ErrorRegistry,
  engineErrorCatalogues,
  type JobOperation,
  mergeErrorCatalogues,
  presentOperations,
} from '@provisio/engine';
import { entraErrors } from '@provisio/entra';
import { zendeskErrors } from '@provisio/zendesk';

/** Every code provisio reports: the engine's, the expression module's and both connectors'. */
export const errorRegistry: ErrorRegistry = mergeErrorCatalogues([
  ...engineErrorCatalogues,
  zendeskErrors,
  entraErrors,
]);

/** The `provisio` arguments that carry out each operation. */
const commands: Readonly<Record<JobOperation, string>> = {
  'test-connection': 'test-connection',
  pause: 'pause',
  resume: 'resume',
  restart: 'restart',
  'allow-deletes': 'allow-deletes',
  status: 'status',
  logs: 'logs',
  'logs-failures': 'logs --status failure',
  'logs-staged': 'logs --action stagedDelete',
  'roles-import': 'roles import',
  'expr-eval': 'expr eval',
};

/** The command line for an operation, e.g. `npx provisio logs --status failure`. */
export function cliCommand(operation: JobOperation): string {
  return `npx provisio ${commands[operation]}`;
}

/** An engine text (recommended action, quarantine explanation, e-mail) with its operations as commands. */
export function presentForCli(text: string): string {
  return presentOperations(text, cliCommand);
}

/** A code's description with its recommended action as the command line says it, if the code is known. */
export function describeErrorForCli(code: string): ErrorInfo | undefined {
  const info = errorRegistry.lookup(code);
  return info && { ...info, recommendedAction: presentForCli(info.recommendedAction) };
}
