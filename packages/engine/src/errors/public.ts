/**
 * Errors as the outside sees them: a catalogued code and a sentence meant for people, never an
 * exception's raw text (which may name hosts, paths, SQL or a library's internals). A cycle's record
 * and the admin API keep this; provisio's own log keeps the rest.
 */
import { ConnectorFailure } from '../ports/common.js';
import type { ErrorRegistry } from './catalogue.js';
import { EngineErrorCode, engineErrorRegistry, engineErrors } from './engine.js';

export interface PublicError {
  /** A code of the catalogue. */
  readonly code: string;
  /** A sentence for people. */
  readonly message: string;
}

/**
 * The code and public sentence of anything thrown:
 * - a `ConnectorFailure`: its code and message (a connector's messages are public by contract; the
 *   internal text is in `detail`);
 * - an `Error` that carries a `code` the registry knows (outside the `internal` category): that
 *   code, and its message, which provisio's error classes write for people: `ConfigError`,
 *   `ZendeskConfigurationError` and `EntraOptionsError` (`InvalidConfiguration`, every problem
 *   listed), `JobLeaseHeld`;
 * - anything else: `InternalError` with the catalogue's sentence, whatever the error says.
 * `registry` is the engine's by default; pass the full one to recognise connectors' error classes.
 */
export function toPublicError(error: unknown, registry: ErrorRegistry = engineErrorRegistry): PublicError {
  if (error instanceof ConnectorFailure) return { code: error.detail.code, message: error.detail.message };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') {
      const info = registry.lookup(code);
      if (info !== undefined && info.category !== 'internal' && error.message.trim() !== '')
        return { code, message: error.message };
    }
  }
  return {
    code: EngineErrorCode.InternalError,
    message: engineErrors.info(EngineErrorCode.InternalError).publicMessage,
  };
}
