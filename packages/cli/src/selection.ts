/** Which job a command works on: a file (`--config`) or a job in the state store (`--job`). */
export type JobSelection = { readonly config: string } | { readonly job: string };

/** `--job` when given, else `--config` (`provisio.yaml` by default). */
export function selectionOf(options: {
  readonly config: string;
  readonly job?: string | undefined;
}): JobSelection {
  return options.job !== undefined ? { job: options.job } : { config: options.config };
}
