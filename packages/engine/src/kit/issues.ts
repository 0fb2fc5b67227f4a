/** A problem a schema found (zod's issues have this shape): where in the value, and what. */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * One `path: message` line per issue, `root` standing for the whole value (e.g. `(body)`), for an
 * error that lists every problem at once.
 */
export function issueLines(issues: readonly SchemaIssue[], root = '(body)'): string[] {
  return issues.map((issue) => `${issue.path.map(String).join('.') || root}: ${issue.message}`);
}

/** The first `max` issues on one line, for a message about an answer of an unexpected shape. */
export function describeIssues(issues: readonly SchemaIssue[], max = 5): string {
  return issueLines(issues.slice(0, max)).join('; ');
}
