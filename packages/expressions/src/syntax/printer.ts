/**
 * Prints an AST in canonical form: `Join(" ", [givenName], [surname])`, `Replace([x], , , , "_", , )`,
 * `IIF([country] = "US", …)`, `&HF7`. The form is the one the examples of Microsoft's expression
 * reference (functions-for-customizing-application-data, "the doc" below) mostly use (", " between
 * arguments, spaces around comparison operators), and it is what Graph-facing code stores in
 * `attributeMappingSource.expression`.
 *
 * For every AST the parser can produce, `parseExpression(printExpression(ast))` gives an equal AST.
 * ASTs built by hand can hold shapes no text spells (a call whose only argument is Missing prints as
 * `F()`, which has no arguments; a Missing or comparison at the top, a comparison inside a comparison,
 * an attribute name containing `]` or a line break, a fractional number): those print as best they
 * can and the text does not parse back to them.
 */
import { assertNever, type ExpressionNode } from '../ast.js';

/** `"…"` with the doc's two escapes, `\\` and `\"`; everything else, line breaks included, verbatim. */
export function quoteString(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/**
 * Integers print in full decimal, never in exponent form (`String(1e21)` would give "1e+21", which is
 * not a literal); hex literals keep their spelling, upper case as in the doc (`&HF7`).
 */
export function formatNumber(value: number, hex: boolean): string {
  if (!Number.isInteger(value)) return String(value);
  if (hex && value >= 0) return `&H${value.toString(16).toUpperCase()}`;
  return BigInt(value).toString();
}

export function printExpression(ast: ExpressionNode): string {
  switch (ast.kind) {
    case 'Attribute':
      return `[${ast.name}]`;
    case 'String':
      return quoteString(ast.value);
    case 'Number':
      return formatNumber(ast.value, ast.hex);
    case 'Identifier':
      return ast.name;
    case 'Missing':
      return '';
    case 'Comparison':
      return `${printExpression(ast.left)} ${ast.operator} ${printExpression(ast.right)}`;
    case 'Call':
      return `${ast.name}(${ast.args.map(printExpression).join(', ')})`;
    default:
      return assertNever(ast);
  }
}
