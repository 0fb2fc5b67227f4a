import { type Command, Option } from 'commander';

export interface ExprEvalCliOptions {
  attrs: string;
  now?: string;
  existing?: string;
}

export interface ExprParseCliOptions {
  format: 'ast' | 'graph';
}

export interface ScopeEvalCliOptions {
  filters: string;
  attrs: string;
}

/** `provisio expr eval|parse`: the portal's expression builder ("Test expression") on the command line. */
export function registerExprCommands(program: Command): void {
  const expr = program
    .command('expr')
    .description('Parse and evaluate attribute-mapping expressions (the Entra expression language)');

  expr
    .command('eval')
    .description(
      'Evaluate an expression against source attributes. Prints one JSON object: {"value": …}, or ' +
        '{"flow": false} when IgnoreFlowIfNullOrEmpty drops the attribute (a note on stderr says when ' +
        'Redact hides the value in logs). Errors go to stderr with exit code 1 (2 for an invalid flag value).',
    )
    .argument('<expression>', 'the expression, e.g. \'Join(" ", [givenName], [surname])\'')
    .option('--attrs <json>', 'source attributes as a JSON object (or @file.json)', '{}')
    .option('--now <iso-8601>', 'the current time for Now() and DateAdd (default: the real clock)')
    .option(
      '--existing <json>',
      'values already present in the target, as a JSON array of strings (SelectUniqueValue; compared ignoring case)',
    )
    .action(async (expression: string, options: ExprEvalCliOptions) => {
      const { runExprEval } = await import('./run-expr.js');
      await runExprEval(expression, options);
    });

  expr
    .command('parse')
    .description("Parse an expression and print its syntax tree, or Graph's attributeMappingSource JSON")
    .argument('<expression>', 'the expression')
    .addOption(new Option('--format <format>', 'output format').choices(['ast', 'graph']).default('ast'))
    .action(async (expression: string, options: ExprParseCliOptions) => {
      const { runExprParse } = await import('./run-expr.js');
      await runExprParse(expression, options);
    });
}

/** `provisio scope eval`: is an object in scope of attribute-based scoping filters, and why. */
export function registerScopeCommands(program: Command): void {
  const scope = program.command('scope').description('Evaluate attribute-based scoping filters');

  scope
    .command('eval')
    .description(
      'Evaluate scoping filters (Graph filter JSON: {"groups": [{"name", "clauses": [{"operatorName", ' +
        '"sourceOperandName", "targetOperand": {"values": […]}}]}]}) against source attributes. Prints ' +
        '{"inScope": …, "summary": …, "decidedBy": …, "groups": […]} with every clause\'s value and reason.',
    )
    .requiredOption('--filters <json>', 'the scoping filters as Graph filter JSON (or @file.json)')
    .option('--attrs <json>', 'source attributes as a JSON object (or @file.json)', '{}')
    .action(async (options: ScopeEvalCliOptions) => {
      const { runScopeEval } = await import('./run-expr.js');
      await runScopeEval(options);
    });
}
