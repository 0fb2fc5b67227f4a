/**
 * The lexer of the expression language: the "Syntax overview" of Microsoft's expression reference
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data;
 * "the doc" below), plus the lexemes its examples use (integers, `&H` hex literals, vbTextCompare, empty
 * arguments, comparisons). It is pulled one token at a time by the parser, so that the first error in reading
 * order is the one reported, whether it is lexical or grammatical.
 *
 * Positions are 1-based line:column; columns count UTF-16 code units (as editors such as VS Code and
 * .NET string indices do). `\r\n`, `\n` and a lone `\r` each end a line.
 */
import type { ComparisonOperator } from '../ast.js';
import type { ExpressionError } from '../errors.js';

export interface SourcePosition {
  /** 0-based index into the text. */
  readonly offset: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export type Token =
  | { readonly kind: 'Attribute'; readonly name: string; readonly position: SourcePosition }
  | { readonly kind: 'String'; readonly value: string; readonly position: SourcePosition }
  | {
      readonly kind: 'Number';
      readonly value: number;
      readonly hex: boolean;
      readonly raw: string;
      readonly position: SourcePosition;
    }
  | { readonly kind: 'Identifier'; readonly name: string; readonly position: SourcePosition }
  | { readonly kind: 'Operator'; readonly operator: ComparisonOperator; readonly position: SourcePosition }
  | { readonly kind: 'LParen' | 'RParen' | 'Comma' | 'End'; readonly position: SourcePosition };

/**
 * Thrown inside the lexer and parser only, and always caught at the module boundary
 * (`parseExpression`, `tokenize`): the public API returns errors as values and never throws.
 */
export class ExpressionFailure extends Error {
  constructor(readonly error: ExpressionError) {
    super(error.message);
    this.name = 'ExpressionFailure';
  }
}

/** A syntax error value whose message ends with the position, e.g. "… at 1:27". */
export function syntaxError(message: string, position: SourcePosition): ExpressionError {
  return {
    code: 'ExpressionSyntaxError',
    message: `${message} at ${position.line}:${position.column}`,
    line: position.line,
    column: position.column,
  };
}

/** Shows a character in a message; invisible and unpaired ones as `U+XXXX`. */
export function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff) || /^\s$/u.test(char)) {
    return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `'${char}'`;
}

/** Shortens user text quoted in a message so that a 10,000-character string does not flood it. */
export function abbreviate(text: string, max = 40): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** How a token reads in "expected …, found X" messages. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'Attribute':
      return `attribute [${abbreviate(token.name)}]`;
    case 'String':
      return `string "${abbreviate(token.value)}"`;
    case 'Number':
      return `number ${abbreviate(token.raw)}`;
    case 'Identifier':
      return `name '${abbreviate(token.name)}'`;
    case 'Operator':
      return `'${token.operator}'`;
    case 'LParen':
      return "'('";
    case 'RParen':
      return "')'";
    case 'Comma':
      return "','";
    case 'End':
      return 'end of expression';
  }
}

const isDigit = (char: string | undefined): boolean => char !== undefined && char >= '0' && char <= '9';
const isHexDigit = (char: string | undefined): boolean => char !== undefined && /^[0-9A-Fa-f]$/.test(char);
const isIdentifierStart = (char: string | undefined): boolean =>
  char !== undefined && /^[A-Za-z_]$/.test(char);
const isIdentifierPart = (char: string | undefined): boolean =>
  char !== undefined && /^[A-Za-z0-9_]$/.test(char);
const isLineBreak = (char: string | undefined): boolean => char === '\n' || char === '\r';
// Any Unicode white space separates tokens (the doc's SelectUniqueValue example spans lines, and text
// pasted from web pages often carries no-break spaces); the BOM too, since editors may prepend it.
const isWhitespace = (char: string | undefined): boolean =>
  char !== undefined && (/^\s$/u.test(char) || char === '\ufeff');

export class Lexer {
  private offset = 0;
  private line = 1;
  private column = 1;

  constructor(private readonly text: string) {}

  /** The position of the next character to be read. */
  get position(): SourcePosition {
    return { offset: this.offset, line: this.line, column: this.column };
  }

  /** Reads the next token; throws ExpressionFailure on a lexical error. */
  next(): Token {
    this.skipWhitespace();
    const position = this.position;
    const char = this.peekChar();
    if (char === undefined) return { kind: 'End', position };
    switch (char) {
      case '(':
        this.advance();
        return { kind: 'LParen', position };
      case ')':
        this.advance();
        return { kind: 'RParen', position };
      case ',':
        this.advance();
        return { kind: 'Comma', position };
      case '[':
        return this.readAttribute(position);
      case '"':
        return this.readString(position);
      case '&':
        return this.readHex(position);
      case '=':
      case '<':
      case '>':
      case '!':
        return this.readOperator(position);
      case '-':
        if (isDigit(this.peekChar(1))) return this.readDecimal(position);
        // There is no arithmetic: '-' only ever signs an integer literal, written without a space.
        throw this.fail("'-' must be followed directly by digits (a negative number such as -10)", position);
      default:
        if (isDigit(char)) return this.readDecimal(position);
        if (isIdentifierStart(char)) return this.readIdentifier(position);
        throw this.fail(this.unexpectedCharacterMessage(), position);
    }
  }

  private unexpectedCharacterMessage(): string {
    const char = String.fromCodePoint(this.text.codePointAt(this.offset) ?? 0);
    const hints: Record<string, string> = {
      "'": '; text constants use double quotes ("text")',
      '\u201c': '; text constants use straight double quotes ("text"), not typographic ones',
      '\u201d': '; text constants use straight double quotes ("text"), not typographic ones',
      ']': '; attribute names are written [name]',
      '.': '; numbers are integers (no decimal point)',
      '+': '; there is no arithmetic: use Append or Join to combine text',
      '&': '; there is no & operator: use Append or Join to combine text',
    };
    return `unexpected character ${describeCharacter(char)}${hints[char] ?? ''}`;
  }

  private peekChar(ahead = 0): string | undefined {
    return this.text[this.offset + ahead];
  }

  /** Consumes one UTF-16 code unit, keeping line and column. */
  private advance(): void {
    const char = this.text[this.offset];
    this.offset += 1;
    if (char === '\n' || (char === '\r' && this.text[this.offset] !== '\n')) {
      this.line += 1;
      this.column = 1;
    } else if (char !== '\r') {
      this.column += 1;
    }
  }

  private fail(message: string, position: SourcePosition): ExpressionFailure {
    return new ExpressionFailure(syntaxError(message, position));
  }

  private skipWhitespace(): void {
    while (isWhitespace(this.peekChar())) this.advance();
  }

  /**
   * `[name]`: everything up to the first `]` is the name, verbatim (spaces, dots, hyphens, colons of
   * SCIM URNs…). A name cannot contain `]` or a line break, and cannot be empty.
   */
  private readAttribute(position: SourcePosition): Token {
    this.advance();
    const start = this.offset;
    for (;;) {
      const char = this.peekChar();
      if (char === undefined || isLineBreak(char)) {
        throw this.fail("unterminated attribute name: expected ']' to close the '[' opened", position);
      }
      if (char === ']') break;
      this.advance();
    }
    const name = this.text.slice(start, this.offset);
    this.advance();
    if (name.length === 0)
      throw this.fail('empty attribute name []: write the attribute, e.g. [mail]', position);
    return { kind: 'Attribute', name, position };
  }

  /**
   * `"text"`: the doc defines two escapes, `\"` and `\\`. A backslash before any other character is
   * kept literally (`"\d+"` is the 4 characters `\d+`), which is lenient for hand-written regex
   * patterns; the printer always writes `\\`, so canonical text never relies on this. Strings may span
   * lines.
   */
  private readString(position: SourcePosition): Token {
    this.advance();
    let value = '';
    for (;;) {
      const char = this.peekChar();
      if (char === undefined) {
        throw this.fail("unterminated string: expected '\"' to close the string opened", position);
      }
      if (char === '"') {
        this.advance();
        return { kind: 'String', value, position };
      }
      if (char === '\\') {
        const escaped = this.peekChar(1);
        if (escaped === '"' || escaped === '\\') {
          value += escaped;
          this.advance();
          this.advance();
          continue;
        }
      }
      value += char;
      this.advance();
    }
  }

  /** Decimal integers, optionally negative (`-10`). */
  private readDecimal(position: SourcePosition): Token {
    const start = this.offset;
    if (this.peekChar() === '-') this.advance();
    while (isDigit(this.peekChar())) this.advance();
    if (isIdentifierPart(this.peekChar())) {
      throw this.fail(this.unexpectedCharacterMessage(), this.position);
    }
    const raw = this.text.slice(start, this.offset);
    return {
      kind: 'Number',
      value: this.integerValue(Number(raw), raw, position),
      hex: false,
      raw,
      position,
    };
  }

  /** Visual Basic hex literals: `&HF`, `&hF7` (the doc's `BitAnd(&HF, &HF7)`). */
  private readHex(position: SourcePosition): Token {
    const prefix = this.peekChar(1);
    if (prefix !== 'H' && prefix !== 'h') {
      throw this.fail(this.unexpectedCharacterMessage(), position);
    }
    this.advance();
    this.advance();
    const start = this.offset;
    while (isHexDigit(this.peekChar())) this.advance();
    const digits = this.text.slice(start, this.offset);
    if (digits.length === 0) {
      throw this.fail('expected hexadecimal digits after &H (e.g. &HF7)', this.position);
    }
    if (isIdentifierPart(this.peekChar())) {
      throw this.fail(this.unexpectedCharacterMessage(), this.position);
    }
    const raw = this.text.slice(position.offset, this.offset);
    // Unsigned, like the doc's example (&HF7 is 247); VB's 32-bit sign wrap is not reproduced.
    return {
      kind: 'Number',
      value: this.integerValue(Number.parseInt(digits, 16), raw, position),
      hex: true,
      raw,
      position,
    };
  }

  /**
   * Integers beyond 2^53 are kept (the doc's `DateFromNum(129699324000000000)` needs them) at double
   * precision; only literals too large for a double at all are refused. -0 is normalised to 0.
   */
  private integerValue(value: number, raw: string, position: SourcePosition): number {
    if (!Number.isFinite(value)) throw this.fail(`number ${abbreviate(raw)} is too large`, position);
    return value === 0 ? 0 : value;
  }

  private readIdentifier(position: SourcePosition): Token {
    const start = this.offset;
    while (isIdentifierPart(this.peekChar())) this.advance();
    return { kind: 'Identifier', name: this.text.slice(start, this.offset), position };
  }

  /** `=`, `<>`, `>`, `>=`, `<`, `<=`; `==` and `!=` are refused with the VB spelling as a hint. */
  private readOperator(position: SourcePosition): Token {
    const first = this.peekChar();
    const second = this.peekChar(1);
    const two = `${first}${second ?? ''}`;
    if (two === '==') throw this.fail("unexpected '==': the equality operator is '='", position);
    if (two === '!=') throw this.fail("unexpected '!=': the inequality operator is '<>'", position);
    if (first === '!') throw this.fail(this.unexpectedCharacterMessage(), position);
    if (two === '<>' || two === '<=' || two === '>=') {
      this.advance();
      this.advance();
      return { kind: 'Operator', operator: two, position };
    }
    this.advance();
    const operator: ComparisonOperator = first === '<' ? '<' : first === '>' ? '>' : '=';
    return { kind: 'Operator', operator, position };
  }
}

/**
 * The whole token list, for tools (syntax highlighting, diagnostics). Never throws: a lexical error
 * comes back as a value.
 */
export function tokenize(
  text: string,
):
  | { readonly ok: true; readonly tokens: readonly Token[] }
  | { readonly ok: false; readonly error: ExpressionError } {
  const lexer = new Lexer(text);
  const tokens: Token[] = [];
  try {
    for (;;) {
      const token = lexer.next();
      tokens.push(token);
      if (token.kind === 'End') return { ok: true, tokens };
    }
  } catch (failure) {
    if (failure instanceof ExpressionFailure) return { ok: false, error: failure.error };
    throw failure;
  }
}
