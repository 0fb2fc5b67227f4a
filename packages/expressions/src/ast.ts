/**
 * The expression AST: immutable nodes discriminated by `kind` (the Kysely operation-node pattern),
 * so that `switch (node.kind)` is checked for exhaustiveness and nodes can be shared safely between
 * preview and execution. Nodes carry no source positions: printing then parsing an AST gives an
 * equal AST. Parse errors carry positions instead.
 */

/** `[attributeName]`: names may contain spaces and dots. */
export interface AttributeNode {
  readonly kind: 'Attribute';
  readonly name: string;
}

/** `"text"`: `value` is the unescaped text. */
export interface StringNode {
  readonly kind: 'String';
  readonly value: string;
}

/** An integer literal, decimal (`-10`) or Visual Basic hex (`&HF7`); `hex` keeps the spelling for printing. */
export interface NumberNode {
  readonly kind: 'Number';
  readonly value: number;
  readonly hex: boolean;
}

/** A bare identifier argument: `vbTextCompare`, `vbBinaryCompare`. */
export interface IdentifierNode {
  readonly kind: 'Identifier';
  readonly name: string;
}

/** An empty positional argument, as in `Replace([x], , , , "_", , )`. */
export interface MissingNode {
  readonly kind: 'Missing';
}

export type ComparisonOperator = '=' | '<>' | '>' | '>=' | '<' | '<=';

/** `left = right` and the other comparison operators, allowed as arguments (IIF, CBool, Switch). */
export interface ComparisonNode {
  readonly kind: 'Comparison';
  readonly operator: ComparisonOperator;
  readonly left: ExpressionNode;
  readonly right: ExpressionNode;
}

/** `Name(arg1, …, argN)`: function names are case-sensitive, as in Entra. */
export interface CallNode {
  readonly kind: 'Call';
  readonly name: string;
  readonly args: readonly ExpressionNode[];
}

export type ExpressionNode =
  | AttributeNode
  | StringNode
  | NumberNode
  | IdentifierNode
  | MissingNode
  | ComparisonNode
  | CallNode;

/** Frozen constructors, so that every node in the program is immutable. */
export const node = {
  attribute: (name: string): AttributeNode => Object.freeze({ kind: 'Attribute', name }),
  string: (value: string): StringNode => Object.freeze({ kind: 'String', value }),
  number: (value: number, hex = false): NumberNode => Object.freeze({ kind: 'Number', value, hex }),
  identifier: (name: string): IdentifierNode => Object.freeze({ kind: 'Identifier', name }),
  missing: (): MissingNode => Object.freeze({ kind: 'Missing' }),
  comparison: (operator: ComparisonOperator, left: ExpressionNode, right: ExpressionNode): ComparisonNode =>
    Object.freeze({ kind: 'Comparison', operator, left, right }),
  call: (name: string, args: readonly ExpressionNode[]): CallNode =>
    Object.freeze({ kind: 'Call', name, args: Object.freeze([...args]) }),
} as const;

/** Exhaustiveness helper for `switch (node.kind)`. */
export function assertNever(value: never): never {
  throw new Error(`unexpected node ${JSON.stringify(value)}`);
}
