/**
 * The error catalogue: every code provisio reports (in the provisioning log, a cycle's record, a
 * connection test, a command's `error <code>` line, the admin API) is defined once, with what a
 * person needs to know about it. The engine's entries and the expression module's are in
 * `engine.ts`; each connector defines its own with {@link defineErrorCatalogue}
 * (`@provisio/zendesk`, `@provisio/entra`), and {@link mergeErrorCatalogues} joins them where every
 * package is visible, refusing a code defined twice. docs/provisioning.md ("Error codes") lists every
 * code; a test keeps the two in step.
 */

/**
 * What kind of problem a code is, so that callers can act on kinds rather than on lists of codes
 * (the quarantine treats every `credentials` code as refused credentials):
 * - `configuration`: provisio's configuration cannot work (a setting, a mapping, an expression, an id);
 * - `credentials`: Entra ID or Zendesk refused the credentials;
 * - `permissions`: the credentials were accepted, but the request was not allowed;
 * - `data`: one object's values cannot be provisioned as they are;
 * - `conflict`: the job is busy (another process runs it);
 * - `throttling`: the other side kept asking provisio to slow down;
 * - `transient`: a failure that may well pass (5xx, network, a bulk job);
 * - `safety`: provisio held something back on purpose (the accidental-deletion threshold);
 * - `skipped`: not a failure: why nothing was written for an object;
 * - `internal`: a provisio bug, or an answer the other side's API does not document.
 */
export const errorCategories = [
  'configuration',
  'credentials',
  'permissions',
  'data',
  'conflict',
  'throttling',
  'transient',
  'safety',
  'skipped',
  'internal',
] as const;

export type ErrorCategory = (typeof errorCategories)[number];

/** One code's description, as a catalogue defines it. */
export interface ErrorEntry {
  readonly category: ErrorCategory;
  /**
   * Whether trying again later, with nothing changed, may succeed (the provisioning log's
   * `transientFailure`). This is the code's usual answer; a `ConnectorError` says it per error.
   */
  readonly retryable: boolean;
  /**
   * The HTTP status the admin API answers when an operation fails with this code: 400 for a request
   * or configuration that is not valid, 404 for an object that is gone, 409 for a conflict with the
   * job's state, 422 for values or settings that cannot work, 500 for provisio's own failures, 502
   * when Entra ID or Zendesk refused or failed, 503 when they throttle, 504 when they time out; 200
   * for `skipped` codes, which are not failures.
   */
  readonly httpStatus: number;
  /** One sentence for anyone who may see the error: what happened, with no detail of this case. */
  readonly publicMessage: string;
  /**
   * What the administrator can do, in neutral words: an operation on the job is named by its
   * {@link JobOperation} id in parentheses, e.g. "resume the job (resume)", and each front end
   * says how to run it (`presentOperations`). Never a command line.
   */
  readonly recommendedAction: string;
}

/** A code with its description. */
export interface ErrorInfo<Code extends string = string> extends ErrorEntry {
  readonly code: Code;
}

/** The codes one package defines. `codes` maps each code to itself, for typed references. */
export interface ErrorCatalogue<Code extends string = string> {
  /** The package that defines the codes, e.g. `@provisio/zendesk`. */
  readonly owner: string;
  readonly codes: { readonly [K in Code]: K };
  readonly entries: readonly ErrorInfo<Code>[];
  /** The description of one of this catalogue's codes. */
  info(code: Code): ErrorInfo<Code>;
}

/**
 * Defines a catalogue: the keys of `entries` are the codes, and their union is the catalogue's code
 * type (`ErrorCatalogue<'A' | 'B'>`), so that a code that is not defined does not compile.
 */
export function defineErrorCatalogue<const Entries extends Readonly<Record<string, ErrorEntry>>>(
  owner: string,
  entries: Entries,
): ErrorCatalogue<Extract<keyof Entries, string>> {
  type Code = Extract<keyof Entries, string>;
  const codes: Record<string, string> = {};
  const list: ErrorInfo<Code>[] = [];
  for (const [code, entry] of Object.entries(entries)) {
    codes[code] = code;
    list.push(Object.freeze({ code: code as Code, ...entry }));
  }
  const byCode = new Map<string, ErrorInfo<Code>>(list.map((info) => [info.code, info]));
  return Object.freeze({
    owner,
    codes: Object.freeze(codes) as { readonly [K in Code]: K },
    entries: Object.freeze(list),
    info(code: Code): ErrorInfo<Code> {
      const info = byCode.get(code);
      if (info === undefined) throw new Error(`${code} is not a code of ${owner}'s error catalogue`);
      return info;
    },
  });
}

/** Every code of several catalogues, looked up by code. */
export interface ErrorRegistry {
  readonly entries: readonly ErrorInfo[];
  /** The description of `code`, or undefined when no catalogue defines it. */
  lookup(code: string): ErrorInfo | undefined;
  /** The package whose catalogue defines `code`. */
  ownerOf(code: string): string | undefined;
}

/** Two catalogues define the same code: each code has one meaning, so one owner. */
export class DuplicateErrorCodeError extends Error {
  override readonly name = 'DuplicateErrorCodeError';
  constructor(readonly duplicates: readonly { code: string; owners: readonly string[] }[]) {
    super(
      `Error codes defined more than once: ${duplicates
        .map((d) => `${d.code} (${d.owners.join(', ')})`)
        .join('; ')}. A code shared by several packages belongs in the engine's catalogue.`,
    );
  }
}

/**
 * Joins catalogues into one registry. Throws {@link DuplicateErrorCodeError} when two of them
 * define the same code (a connector reuses a shared code by importing it from the engine's
 * catalogue, never by defining it again).
 */
export function mergeErrorCatalogues(catalogues: readonly ErrorCatalogue[]): ErrorRegistry {
  const byCode = new Map<string, { info: ErrorInfo; owner: string }>();
  const owners = new Map<string, string[]>();
  for (const catalogue of catalogues)
    for (const info of catalogue.entries) {
      owners.set(info.code, [...(owners.get(info.code) ?? []), catalogue.owner]);
      if (!byCode.has(info.code)) byCode.set(info.code, { info, owner: catalogue.owner });
    }
  const duplicates = [...owners]
    .filter(([, list]) => list.length > 1)
    .map(([code, list]) => ({ code, owners: list }));
  if (duplicates.length > 0) throw new DuplicateErrorCodeError(duplicates);
  const entries = Object.freeze([...byCode.values()].map((e) => e.info));
  return Object.freeze({
    entries,
    lookup: (code: string) => byCode.get(code)?.info,
    ownerOf: (code: string) => byCode.get(code)?.owner,
  });
}
