import { readFile } from 'node:fs/promises';
import {
  compileExpression,
  compileScopingFilters,
  type ExpressionError,
  type ExpressionNode,
  parseExpression,
  toGraphSource,
} from '@provisio/expressions';
import type { ExprEvalCliOptions, ExprParseCliOptions, ScopeEvalCliOptions } from './expr.js';

/** A bad flag value: reported on stderr with exit code 2, like the argument parser's usage errors (program.ts). */
class UsageError extends Error {}

async function guarded(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`provisio: ${error.message}\n`);
    process.exitCode = 2;
  }
}

/** Reports a failure of the input itself (parse, validation, evaluation) with exit code 1. */
function fail(lines: readonly string[]): void {
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exitCode = 1;
}

function printJson(value: unknown, pretty = false): void {
  process.stdout.write(`${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`);
}

/** Parses a JSON flag; `@path` reads the JSON from a file. */
async function jsonOption(flag: string, text: string): Promise<unknown> {
  let source = text;
  if (text.startsWith('@')) {
    try {
      source = await readFile(text.slice(1), 'utf8');
    } catch (error) {
      throw new UsageError(
        `${flag}: cannot read ${text.slice(1)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new UsageError(`${flag}: invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function attributesOption(text: string): Promise<Readonly<Record<string, unknown>>> {
  const value = await jsonOption('--attrs', text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(
      '--attrs: expected a JSON object of attribute names and values, e.g. {"givenName":"Ada"}',
    );
  }
  return value as Readonly<Record<string, unknown>>;
}

/** The error, then the offending source line with a caret under the column, as compilers do. */
function describeError(error: ExpressionError, expression: string): string[] {
  const lines = [`provisio: ${error.code}: ${error.message}`];
  if (error.line !== undefined && error.column !== undefined) {
    const sourceLine = expression.split(/\r\n|\r|\n/)[error.line - 1];
    // A caret under a column of a very long line helps nobody: show it for readable lines only.
    if (sourceLine !== undefined && sourceLine.length <= 200)
      lines.push(`  ${sourceLine}`, `  ${' '.repeat(Math.max(0, error.column - 1))}^`);
  }
  return lines;
}

function parseOrFail(expression: string): ExpressionNode | undefined {
  const parsed = parseExpression(expression);
  if (parsed.ok) return parsed.ast;
  fail(describeError(parsed.error, expression));
  return undefined;
}

export function runExprParse(expression: string, options: ExprParseCliOptions): Promise<void> {
  return guarded(async () => {
    const ast = parseOrFail(expression);
    if (ast === undefined) return;
    printJson(options.format === 'graph' ? toGraphSource(ast) : ast, true);
  });
}

export function runScopeEval(options: ScopeEvalCliOptions): Promise<void> {
  return guarded(async () => {
    const filtersJson = await jsonOption('--filters', options.filters);
    const attributes = await attributesOption(options.attrs);
    const compiled = compileScopingFilters(filtersJson);
    if (!compiled.ok) {
      fail([
        `provisio: --filters: ${compiled.errors.length} problem${compiled.errors.length === 1 ? '' : 's'} in the scoping filters`,
        ...compiled.errors.map((e) => `  ${e.code}: ${e.message}`),
      ]);
      return;
    }
    printJson(compiled.filters.evaluate(attributes), true);
  });
}

/**
 * `--now`: an ISO-8601 date or date-time. A date-time without an offset is read as UTC, since
 * Entra's clock (Now()) is UTC, rather than as the local time JavaScript would assume.
 */
function nowOption(text: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(text.trim());
  const zoned =
    iso !== null && iso[1] !== undefined && iso[4] === undefined ? `${text.trim()}Z` : text.trim();
  const date = new Date(zoned);
  if (iso === null || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--now: expected an ISO-8601 date or date-time such as 2021-07-02T15:33:38Z, got ${JSON.stringify(text)}`,
    );
  }
  return date;
}

/**
 * `--existing`: the values already in the target. Compared ignoring case, because the attributes
 * SelectUniqueValue fills (user names, aliases, emails) are unique ignoring case in the targets.
 */
async function existingOption(text: string): Promise<(value: string) => boolean> {
  const value = await jsonOption('--existing', text);
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw new UsageError('--existing: expected a JSON array of strings, e.g. ["jdoe","jdoe1"]');
  }
  const taken = new Set(value.map((item) => item.toLowerCase()));
  return (candidate) => taken.has(candidate.toLowerCase());
}

export function runExprEval(expression: string, options: ExprEvalCliOptions): Promise<void> {
  return guarded(async () => {
    // Flags first: a usage error (exit 2) wins over a problem in the expression (exit 1).
    const attributes = await attributesOption(options.attrs);
    const now = options.now === undefined ? undefined : nowOption(options.now);
    const exists = options.existing === undefined ? undefined : await existingOption(options.existing);
    const ast = parseOrFail(expression);
    if (ast === undefined) return;
    const result = compileExpression(ast).evaluate({
      attributes,
      ...(now === undefined ? {} : { now }),
      ...(exists === undefined ? {} : { exists }),
    });
    if (!result.ok) {
      fail(describeError(result.error, expression));
      return;
    }
    if (!result.flow) {
      printJson({ flow: false });
      return;
    }
    // stdout keeps exactly the documented shape; the redaction note is for the person testing.
    if (result.redacted)
      process.stderr.write('note: Redact() is used: logs will show this value as [Redact]\n');
    printJson({ value: result.value });
  });
}
