/**
 * The operations on a job that the engine's texts (recommended actions, quarantine explanations,
 * e-mails) point to. The engine names them in neutral words followed by the operation's id in
 * parentheses, "allow the staged deletions (allow-deletes)", and never says how to run them: each
 * front end does, with {@link presentOperations} (the command line turns `(allow-deletes)` into
 * `(npx provisio allow-deletes)`; the admin console may link to a button).
 */
export const jobOperations = {
  'test-connection': 'test the connection to Entra ID and Zendesk',
  pause: 'pause the job',
  resume: 'resume the job (also lifts a quarantine)',
  restart: 'restart the job: forget watermarks, retries and quarantine',
  'allow-deletes': 'allow the deprovisioning staged by the accidental-deletion threshold',
  status: "the job's status",
  logs: 'the provisioning log',
  'logs-failures': "the provisioning log's failures",
  'logs-staged': "the provisioning log's staged deprovisioning",
  'roles-import': "import Zendesk's roles as the application's app roles",
  'expr-eval': 'evaluate an expression against sample values',
} as const;

export type JobOperation = keyof typeof jobOperations;

const operationIds = Object.keys(jobOperations) as JobOperation[];
// Longest first, so that `logs-failures` is not read as `logs`.
const mention = new RegExp(
  `\\((${[...operationIds]
    .sort((a, b) => b.length - a.length)
    .map((id) => id.replace(/[-]/g, '\\-'))
    .join('|')})\\)`,
  'g',
);

export function isJobOperation(value: string): value is JobOperation {
  return Object.hasOwn(jobOperations, value);
}

/** The operations a text names, in order, each once. */
export function operationsNamedIn(text: string): JobOperation[] {
  return [...new Set([...text.matchAll(mention)].map((m) => m[1] as JobOperation))];
}

/**
 * A text of the engine as a front end shows it: each `(operation)` becomes `(render(operation))`,
 * e.g. `(npx provisio allow-deletes)`. Other parentheses are left as they are.
 */
export function presentOperations(text: string, render: (operation: JobOperation) => string): string {
  return text.replace(mention, (_whole, id: string) => `(${render(id as JobOperation)})`);
}
