/**
 * Validation problems of a job definition or of the file it came from: each names the field and
 * says what to write instead (docs/configuration.md#validation).
 */
import type { z } from 'zod';

export interface ConfigProblem {
  /** Where, e.g. `target.domain` or `mappings.users.attributes[2].source`; `''` for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** Every problem found, together; thrown by `compileJob` and the configuration file readers. */
export class ConfigError extends Error {
  readonly code = 'InvalidConfiguration';
  readonly problems: readonly ConfigProblem[];
  constructor(where: string, problems: readonly ConfigProblem[]) {
    super(
      `${where} is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p.path === '' ? '(file)' : p.path}: ${p.message}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** zod's issues as problems, paths in the file's notation (`a.b[2].c`), under `prefix` when given. */
export function zodProblems(error: z.ZodError, prefix = ''): ConfigProblem[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : String(key)))]
      .filter((segment) => segment !== '')
      .join('.')
      .replace(/\.\[/g, '[');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys')
      message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; see docs/configuration.md)`;
    else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
      message = 'is required';
    return { path, message };
  });
}
