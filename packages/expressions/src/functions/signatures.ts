/**
 * The signature table of every expression function: how many arguments each takes and what the
 * parameters are called. The parser checks arity against it at parse time (as Entra's
 * `parseExpression` does) and the Graph converter uses the names as `parameters[].key`.
 *
 * Source: the function list of Microsoft's expression reference
 * (https://learn.microsoft.com/entra/identity/app-provisioning/functions-for-customizing-application-data;
 * "the doc" below: names and optionality), Graph's objectMapping example for the Graph key spellings
 * (`source`: https://learn.microsoft.com/graph/api/resources/synchronization-objectmapping). Names are
 * case-sensitive ("The syntax is case-sensitive"), so the table is looked up exactly.
 */

export interface FunctionSignature {
  /** The exact, case-sensitive function name. */
  readonly name: string;
  readonly minArgs: number;
  /** `Infinity` for variadic functions. */
  readonly maxArgs: number;
  /**
   * Parameter names in order, as spelled in the doc (or in Graph where the doc has no name). For a
   * variadic function the last `repeat` names repeat for the extra arguments.
   */
  readonly params: readonly string[];
  /** How many trailing `params` repeat in a variadic call (0 for fixed arity). */
  readonly repeat: number;
  /** Switch: the total argument count must be even (source, defaultValue, then key/value pairs). */
  readonly evenArgs: boolean;
  /** FormatDateTime: the parameter names of the older form, used when called with that many arguments. */
  readonly alternativeParams?: readonly string[];
}

interface SignatureOptions {
  readonly min?: number;
  readonly max?: number;
  readonly repeat?: number;
  readonly evenArgs?: boolean;
  readonly alternativeParams?: readonly string[];
}

/** Builds a frozen signature; by default every parameter is required and there are no others. */
function sig(name: string, params: readonly string[], options: SignatureOptions = {}): FunctionSignature {
  const base = {
    name,
    minArgs: options.min ?? params.length,
    maxArgs: options.max ?? params.length,
    params: Object.freeze([...params]),
    repeat: options.repeat ?? 0,
    evenArgs: options.evenArgs ?? false,
  };
  return Object.freeze(
    options.alternativeParams === undefined
      ? base
      : { ...base, alternativeParams: Object.freeze([...options.alternativeParams]) },
  );
}

/**
 * Every function, in the doc's alphabetical order, plus AssertiveAppRoleAssignmentsComplex (in the
 * role-mapping doc, https://learn.microsoft.com/entra/identity/app-provisioning/customize-application-attributes,
 * not the function reference). DefaultDomain and AppRoleAssignments appear only in Graph's function list
 * (https://learn.microsoft.com/graph/api/synchronization-synchronizationschema-functions) with no documented
 * semantics, so they are deliberately absent: an expression using them fails with UnknownFunction rather than
 * evaluating to something invented.
 */
export const functionSignatures = Object.freeze({
  Append: sig('Append', ['source', 'suffix']),
  // The role functions take `[appRoleAssignments]`; Graph keys that parameter `source` (its objectMapping
  // example).
  AppRoleAssignmentsComplex: sig('AppRoleAssignmentsComplex', ['source']),
  AssertiveAppRoleAssignmentsComplex: sig('AssertiveAppRoleAssignmentsComplex', ['source']),
  BitAnd: sig('BitAnd', ['value1', 'value2']),
  CBool: sig('CBool', ['Expression']),
  CDate: sig('CDate', ['expression']),
  // "Coalesce(source1, source2, …, sourceN, defaultValue)": the optional default is positionally just
  // the last source (it is returned when every earlier one is NULL, and "" is not NULL), so the
  // parser sees one repeating parameter and needs at least one argument.
  Coalesce: sig('Coalesce', ['source'], { min: 1, max: Number.POSITIVE_INFINITY, repeat: 1 }),
  ConvertToBase64: sig('ConvertToBase64', ['source']),
  ConvertToUTF8Hex: sig('ConvertToUTF8Hex', ['source']),
  Count: sig('Count', ['attribute']),
  CStr: sig('CStr', ['value']),
  DateAdd: sig('DateAdd', ['interval', 'value', 'dateTime']),
  DateDiff: sig('DateDiff', ['interval', 'date1', 'date2']),
  DateFromNum: sig('DateFromNum', ['value']),
  // The doc's 4-argument form, and the older 3-argument form (source, inputFormat, outputFormat) that
  // Graph's function list still shows. The two are told apart by the argument count alone.
  FormatDateTime: sig('FormatDateTime', ['source', 'dateTimeStyles', 'inputFormat', 'outputFormat'], {
    min: 3,
    alternativeParams: ['source', 'inputFormat', 'outputFormat'],
  }),
  Guid: sig('Guid', []),
  IgnoreFlowIfNullOrEmpty: sig('IgnoreFlowIfNullOrEmpty', ['expression']),
  IIF: sig('IIF', ['condition', 'valueIfTrue', 'valueIfFalse']),
  InStr: sig('InStr', ['value1', 'value2', 'start', 'compareType'], { min: 2 }),
  IsNull: sig('IsNull', ['Expression']),
  IsNullOrEmpty: sig('IsNullOrEmpty', ['Expression']),
  IsPresent: sig('IsPresent', ['Expression']),
  IsString: sig('IsString', ['Expression']),
  Item: sig('Item', ['attribute', 'index']),
  // "Join(separator, source1, source2, …)": a separator and at least one source.
  Join: sig('Join', ['separator', 'source'], { max: Number.POSITIVE_INFINITY, repeat: 1 }),
  Left: sig('Left', ['String', 'NumChars']),
  Mid: sig('Mid', ['source', 'start', 'length']),
  NormalizeDiacritics: sig('NormalizeDiacritics', ['source']),
  Not: sig('Not', ['source']),
  Now: sig('Now', []),
  NumFromDate: sig('NumFromDate', ['value']),
  PCase: sig('PCase', ['source', 'wordSeparators'], { min: 1 }),
  RandomString: sig(
    'RandomString',
    [
      'Length',
      'MinimumNumbers',
      'MinimumSpecialCharacters',
      'MinimumCapital',
      'MinimumLowerCase',
      'CharactersToAvoid',
    ],
    { min: 5 },
  ),
  // The doc writes "Redact(attribute/value)"; `source` is the Graph-style key for a single input.
  Redact: sig('Redact', ['source']),
  RemoveDuplicates: sig('RemoveDuplicates', ['attribute']),
  // Always written with all 7 positions, unused ones left empty: `Replace([x], , , , "_", , )`.
  // Graph emits the keys `source`, `Find`, `Replacement`; readers treat parameters positionally.
  Replace: sig('Replace', [
    'source',
    'oldValue',
    'regexPattern',
    'regexGroupName',
    'replacementValue',
    'replacementAttributeName',
    'template',
  ]),
  // "SelectUniqueValue(uniqueValueRule1, uniqueValueRule2, …)": at least two rules.
  SelectUniqueValue: sig('SelectUniqueValue', ['uniqueValueRule'], {
    min: 2,
    max: Number.POSITIVE_INFINITY,
    repeat: 1,
  }),
  SingleAppRoleAssignment: sig('SingleAppRoleAssignment', ['source']),
  Split: sig('Split', ['source', 'delimiter']),
  StripSpaces: sig('StripSpaces', ['source']),
  // "Switch(source, defaultValue, key1, value1, key2, value2, …)": the doc says the function "always
  // expects an even number of parameters". Counting every argument, source + defaultValue + N pairs is
  // even, and every example in the doc has 4 or 6 arguments; key1/value1 are marked Required, so the
  // minimum is 4. defaultValue may be empty (`Switch([Active], , "1", …)`) but must be present.
  Switch: sig('Switch', ['source', 'defaultValue', 'key', 'value'], {
    max: Number.POSITIVE_INFINITY,
    repeat: 2,
    evenArgs: true,
  }),
  ToLower: sig('ToLower', ['source', 'culture'], { min: 1 }),
  ToUpper: sig('ToUpper', ['source', 'culture'], { min: 1 }),
  Word: sig('Word', ['String', 'WordNumber', 'Delimiters']),
} as const satisfies Readonly<Record<string, FunctionSignature>>);

/** The union of every function name, for exhaustive implementation tables (`Record<FunctionName, …>`). */
export type FunctionName = keyof typeof functionSignatures;

export function isFunctionName(name: string): name is FunctionName {
  // Object.hasOwn, not `in`: `toString(` or `constructor(` must not find Object.prototype members.
  return Object.hasOwn(functionSignatures, name);
}

/** The signature of a function, or undefined; names are case-sensitive. */
export function lookupFunction(name: string): FunctionSignature | undefined {
  return isFunctionName(name) ? functionSignatures[name] : undefined;
}

/** For "did you mean" messages: the real name when only the case differs (`join` → `Join`). */
export function suggestFunctionName(name: string): FunctionName | undefined {
  const lower = name.toLowerCase();
  for (const candidate of Object.keys(functionSignatures)) {
    if (candidate.toLowerCase() === lower && isFunctionName(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The name of the parameter at `index` (0-based) in a call with `argCount` arguments: repeating
 * parameters of variadic functions cycle (Switch: key, value, key, value…).
 */
export function parameterName(signature: FunctionSignature, index: number, argCount: number): string {
  const alternative = signature.alternativeParams;
  const params =
    alternative !== undefined && argCount === alternative.length ? alternative : signature.params;
  if (index < params.length) return params[index] ?? `arg${index + 1}`;
  if (signature.repeat > 0) {
    const firstRepeating = params.length - signature.repeat;
    const cycled = params[firstRepeating + ((index - firstRepeating) % signature.repeat)];
    if (cycled !== undefined) return cycled;
  }
  return `arg${index + 1}`;
}

/** The call shape for messages: `Join(separator, source, …)`, `InStr(value1, value2, start?, compareType?)`. */
export function describeSignature(signature: FunctionSignature): string {
  const shape = (params: readonly string[]): string => {
    const parts = params.map((param, index) => (index >= signature.minArgs ? `${param}?` : param));
    if (signature.maxArgs === Number.POSITIVE_INFINITY) parts.push('…');
    return `${signature.name}(${parts.join(', ')})`;
  };
  const alternative = signature.alternativeParams;
  if (alternative === undefined) return shape(signature.params);
  return `${signature.name}(${signature.params.join(', ')}) or ${signature.name}(${alternative.join(', ')})`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Checks an argument count against a signature. Returns undefined when it fits, else a sentence
 * saying what the function expects (without position: the caller appends it).
 */
export function checkArity(signature: FunctionSignature, argCount: number): string | undefined {
  const { name, minArgs, maxArgs } = signature;
  const fits = argCount >= minArgs && argCount <= maxArgs && (!signature.evenArgs || argCount % 2 === 0);
  if (fits) return undefined;
  const usage = describeSignature(signature);
  let expected: string;
  if (signature.evenArgs) {
    expected = `an even number of arguments, at least ${minArgs}`;
  } else if (signature.alternativeParams !== undefined) {
    expected = `${signature.alternativeParams.length} or ${maxArgs} arguments`;
  } else if (maxArgs === Number.POSITIVE_INFINITY) {
    expected = `at least ${plural(minArgs, 'argument')}`;
  } else if (minArgs === maxArgs) {
    expected = minArgs === 0 ? 'no arguments' : plural(minArgs, 'argument');
  } else {
    expected = `${minArgs} to ${maxArgs} arguments`;
  }
  let hint = '';
  if (name === 'Replace')
    hint = '; leave unused positions empty, e.g. Replace([mail], "@contoso.com", , , "", , )';
  if (name === 'Switch') hint = '; after source and defaultValue, keys and values come in pairs';
  return `${name} expects ${expected}, got ${argCount}: ${usage}${hint}`;
}
