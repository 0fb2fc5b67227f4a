/**
 * Every function's implementation, by name. Typed as a complete `Record<FunctionName, …>` so that a
 * function added to the signature table (functions/signatures.ts) without an implementation is a
 * compile error, not a runtime surprise.
 */
import type { FunctionName } from '../../functions/signatures.js';
import type { FunctionBuilder } from '../runtime.js';
import { dateFunctions } from './dates.js';
import { logicFunctions } from './logic.js';
import { multiValueFunctions } from './multivalue.js';
import { regexFunctions } from './regex.js';
import { roleFunctions } from './roles.js';
import { stringFunctions } from './strings.js';
import { textFunctions } from './text.js';

export const functionImplementations: Readonly<Record<FunctionName, FunctionBuilder>> = Object.freeze({
  ...dateFunctions,
  ...logicFunctions,
  ...multiValueFunctions,
  ...regexFunctions,
  ...roleFunctions,
  ...stringFunctions,
  ...textFunctions,
});
