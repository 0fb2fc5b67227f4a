// Test support: validates responses of the Zendesk emulator against Zendesk's official OpenAPI 3.0
// document, which Zendesk publishes at https://developer.zendesk.com/zendesk/oas.yaml. The document is
// DATA read at test time from outside the repository (by default
// `../shared/reference/zendesk-support-oas.yaml` relative to the repository root, or $ZENDESK_OAS_PATH);
// nothing from it is copied into the repository.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

export interface OasCheck {
  valid: boolean;
  operationId: string | undefined;
  template: string | undefined;
  errors: string[];
}

export interface OasValidator {
  /** concretePath like '/api/v2/users/123.json?page[size]=2' (query and a trailing .json are ignored). */
  validateResponse(method: string, concretePath: string, status: number, body: unknown): OasCheck;
  /** the path template the concrete path matches, e.g. '/api/v2/users/{user_id}', or undefined */
  matchPath(method: string, concretePath: string): string | undefined;
}

export type OasLoadResult = { validator: OasValidator } | { validator: null; reason: string };

type JsonObject = { [key: string]: unknown };

/** packages/emulators/test/support/ → four directories up is the repository root. */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DEFAULT_OAS_PATH = resolve(REPO_ROOT, '../shared/reference/zendesk-support-oas.yaml');
/** `$id` under which the document's `components` are registered with Ajv; `#/…` refs are rewritten to it. */
const ROOT_ID = 'https://provisio.invalid/zendesk-support-oas.json';
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function resolveOasPath(): string {
  const override = process.env['ZENDESK_OAS_PATH'];
  if (override !== undefined && override !== '') {
    return isAbsolute(override) ? override : resolve(REPO_ROOT, override);
  }
  return DEFAULT_OAS_PATH;
}

// ---------------------------------------------------------------------------------------------
// Loading (parsed document and validator cached in module scope, per file path)

const cache = new Map<string, Promise<OasLoadResult>>();

/** Loads and compiles lazily; returns null (and the reason) when the OAS file is absent so tests can skip with a message. */
export function loadZendeskOas(): Promise<OasLoadResult> {
  const file = resolveOasPath();
  let pending = cache.get(file);
  if (pending === undefined) {
    pending = load(file);
    cache.set(file, pending);
    // A failed load (unreadable or malformed file) should not poison later calls.
    pending.catch(() => cache.delete(file));
  }
  return pending;
}

async function load(file: string): Promise<OasLoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = isRecord(error) ? error['code'] : undefined;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return {
        validator: null,
        reason: `Zendesk OpenAPI document not found at ${file} (set ZENDESK_OAS_PATH to point at it)`,
      };
    }
    throw error;
  }
  // YAML 1.2 core schema: `=` (which YAML 1.1 would type as tag:yaml.org,2002:value) stays a string.
  const doc: unknown = parse(text, { merge: false, uniqueKeys: false, strict: false, maxAliasCount: -1 });
  if (!isRecord(doc) || !isRecord(doc['paths'])) {
    throw new Error(`${file} does not look like an OpenAPI document (no "paths" object)`);
  }
  return { validator: new ZendeskOasValidator(doc) };
}

// ---------------------------------------------------------------------------------------------
// OpenAPI 3.0 schema → JSON Schema draft-07 (Ajv default class)

/** Annotations and OpenAPI-only keywords that Ajv does not need. */
const DROPPED_KEYWORDS = new Set([
  'example',
  'examples',
  'xml',
  'externalDocs',
  'deprecated',
  'discriminator',
  'readOnly',
  'writeOnly',
  'description',
  'title',
  'nullable',
]);
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions']);
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf']);
const SCHEMA_KEYWORDS = new Set([
  'additionalProperties',
  'not',
  'additionalItems',
  'propertyNames',
  'contains',
]);

function rewriteRef(ref: string): string {
  return ref.startsWith('#') ? `${ROOT_ID}${ref}` : ref;
}

function toAjvSchema(node: unknown, formats: Set<string>): unknown {
  if (!isRecord(node)) return node;
  let out: JsonObject = {};
  const ref = node['$ref'];
  if (typeof ref === 'string') {
    // OpenAPI 3.0: siblings of $ref are ignored (nullable is honoured below).
    out['$ref'] = rewriteRef(ref);
  } else {
    for (const [key, value] of Object.entries(node)) {
      if (DROPPED_KEYWORDS.has(key) || key.startsWith('x-')) continue;
      if (SCHEMA_MAP_KEYWORDS.has(key) && isRecord(value)) {
        const mapped: JsonObject = {};
        for (const [name, sub] of Object.entries(value)) mapped[name] = toAjvSchema(sub, formats);
        out[key] = mapped;
      } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) {
        out[key] = value.map((sub) => toAjvSchema(sub, formats));
      } else if (SCHEMA_KEYWORDS.has(key) || key === 'items') {
        out[key] = Array.isArray(value)
          ? value.map((sub) => toAjvSchema(sub, formats))
          : toAjvSchema(value, formats);
      } else {
        if (key === 'format' && typeof value === 'string') formats.add(value);
        out[key] = value;
      }
    }
  }
  if (node['nullable'] === true) out = makeNullable(out);
  return out;
}

function makeNullable(schema: JsonObject): JsonObject {
  const type = schema['type'];
  if (typeof type === 'string' || Array.isArray(type)) {
    const types: unknown[] = Array.isArray(type) ? type : [type];
    if (!types.includes('null')) schema['type'] = [...types, 'null'];
    const allowed = schema['enum'];
    if (Array.isArray(allowed) && !allowed.includes(null)) schema['enum'] = [...allowed, null];
    return schema;
  }
  if (Object.keys(schema).length === 0) return schema; // already accepts anything
  // $ref / allOf / oneOf / anyOf without a type: null or the schema.
  return { anyOf: [schema, { type: 'null' }] };
}

// ---------------------------------------------------------------------------------------------
// Path templates

interface Route {
  template: string;
  item: JsonObject;
  /** literal segment text, or a RegExp for a segment containing `{param}` */
  segments: (string | RegExp)[];
  literalCount: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileSegment(segment: string): string | RegExp {
  if (!segment.includes('{')) return segment;
  const source = segment
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith('{') && part.endsWith('}') ? '[^/]+' : escapeRegExp(part)))
    .join('');
  return new RegExp(`^${source}$`);
}

function splitConcretePath(concretePath: string): string[] {
  let path = concretePath;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.exec(path);
  if (absolute) path = new URL(path).pathname;
  path = path.replace(/[?#].*$/s, '');
  path = path.replace(/\.json$/, '');
  if (path.length > 1) path = path.replace(/\/+$/, '');
  return path.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
}

/** Orders routes: more literal segments first, then literal-before-parameter from the left. */
function compareRoutes(a: Route, b: Route): number {
  if (a.literalCount !== b.literalCount) return b.literalCount - a.literalCount;
  for (let i = 0; i < a.segments.length && i < b.segments.length; i++) {
    const aLiteral = typeof a.segments[i] === 'string';
    const bLiteral = typeof b.segments[i] === 'string';
    if (aLiteral !== bLiteral) return aLiteral ? -1 : 1;
  }
  return a.template < b.template ? -1 : a.template > b.template ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Validator

function isEmptyBody(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    body === '' ||
    (body instanceof Uint8Array && body.byteLength === 0)
  );
}

function describeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function formatError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  let text = `${where} ${error.message ?? error.keyword}`;
  const params: JsonObject = error.params;
  switch (error.keyword) {
    case 'type':
    case 'format':
    case 'const':
    case 'minimum':
    case 'maximum':
      text += ` (got ${describeValue(error.data)})`;
      break;
    case 'enum':
      text += ` ${describeValue(params['allowedValues'])} (got ${describeValue(error.data)})`;
      break;
    case 'additionalProperties':
      text += ` (${String(params['additionalProperty'])})`;
      break;
    default:
      break;
  }
  return text;
}

function pickResponseKey(responses: JsonObject, status: number): string | undefined {
  const exact = String(status);
  if (exact in responses) return exact;
  const range = `${exact.charAt(0)}XX`;
  const rangeKey = Object.keys(responses).find((key) => key.toUpperCase() === range);
  if (rangeKey !== undefined) return rangeKey;
  return 'default' in responses ? 'default' : undefined;
}

function pickJsonMedia(content: JsonObject): string | undefined {
  const keys = Object.keys(content);
  return (
    keys.find((key) => key.split(';')[0]?.trim().toLowerCase() === 'application/json') ??
    keys.find((key) => /[/+]json\b/i.test(key))
  );
}

class ZendeskOasValidator implements OasValidator {
  private readonly doc: JsonObject;
  private readonly routes: Route[] = [];
  private ajvInstance: Ajv | undefined;
  private readonly compiled = new Map<string, ValidateFunction | string>();

  constructor(doc: JsonObject) {
    this.doc = doc;
    const paths = isRecord(doc['paths']) ? doc['paths'] : {};
    for (const [template, item] of Object.entries(paths)) {
      if (!isRecord(item)) continue;
      const segments = template.split('/').map(compileSegment);
      const literalCount = segments.filter((segment) => typeof segment === 'string').length;
      this.routes.push({ template, item, segments, literalCount });
    }
    this.routes.sort(compareRoutes);
  }

  matchPath(method: string, concretePath: string): string | undefined {
    return this.findRoute(method, concretePath)?.template;
  }

  validateResponse(method: string, concretePath: string, status: number, body: unknown): OasCheck {
    const verb = method.toUpperCase();
    const route = this.findRoute(method, concretePath);
    if (route === undefined) {
      return {
        valid: false,
        operationId: undefined,
        template: undefined,
        errors: [`no operation for ${verb} ${concretePath} in the OpenAPI document`],
      };
    }
    const { template } = route;
    const operation = route.item[method.toLowerCase()];
    const op: JsonObject = isRecord(operation) ? operation : {};
    const operationId = typeof op['operationId'] === 'string' ? op['operationId'] : undefined;
    const result = (valid: boolean, errors: string[]): OasCheck => ({ valid, operationId, template, errors });
    const label = `${verb} ${template}${operationId === undefined ? '' : ` (${operationId})`}`;

    const responses = isRecord(op['responses']) ? op['responses'] : {};
    const key = pickResponseKey(responses, status);
    if (key === undefined) {
      const documented = Object.keys(responses).join(', ') || 'none';
      return result(false, [`status ${status} is not documented for ${label}; documented: ${documented}`]);
    }
    const response = this.deref(responses[key]);
    const content = isRecord(response) && isRecord(response['content']) ? response['content'] : undefined;
    if (status === 204) {
      return isEmptyBody(body)
        ? result(true, [])
        : result(false, [`status 204 for ${label} must have an empty body, got ${describeValue(body)}`]);
    }
    const media = content === undefined ? undefined : pickJsonMedia(content);
    const mediaObject = content !== undefined && media !== undefined ? content[media] : undefined;
    const schema = isRecord(mediaObject) ? mediaObject['schema'] : undefined;
    if (schema === undefined || media === undefined) return result(true, []); // no schema documented

    const cacheKey = `${method.toLowerCase()} ${template} ${key} ${media}`;
    let validate = this.compiled.get(cacheKey);
    if (validate === undefined) {
      validate = this.compile(schema, `${label} ${key}`);
      this.compiled.set(cacheKey, validate);
    }
    if (typeof validate === 'string') return result(false, [validate]);
    if (validate(body)) return result(true, []);
    const errors = [...new Set((validate.errors ?? []).map(formatError))];
    return result(false, errors);
  }

  private findRoute(method: string, concretePath: string): Route | undefined {
    const verb = method.toLowerCase();
    if (!HTTP_METHODS.has(verb)) return undefined;
    const segments = splitConcretePath(concretePath);
    return this.routes.find(
      (route) =>
        route.segments.length === segments.length &&
        isRecord(route.item[verb]) &&
        route.segments.every((pattern, i) => {
          const actual = segments[i] ?? '';
          return typeof pattern === 'string' ? pattern === actual : actual !== '' && pattern.test(actual);
        }),
    );
  }

  /** Follows a local `$ref` (e.g. '#/components/responses/X') inside the document. */
  private deref(node: unknown): unknown {
    let current = node;
    for (let hops = 0; hops < 10 && isRecord(current) && typeof current['$ref'] === 'string'; hops++) {
      const ref = current['$ref'];
      if (!ref.startsWith('#/')) return current;
      let target: unknown = this.doc;
      for (const raw of ref.slice(2).split('/')) {
        const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
        target = isRecord(target) ? target[part] : undefined;
      }
      current = target;
    }
    return current;
  }

  private ajv(): Ajv {
    if (this.ajvInstance !== undefined) return this.ajvInstance;
    const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, logger: false });
    const addFormats = typeof addFormatsModule === 'function' ? addFormatsModule : addFormatsModule.default;
    addFormats(ajv);
    const formats = new Set<string>();
    const components = isRecord(this.doc['components']) ? this.doc['components'] : {};
    const schemas = isRecord(components['schemas']) ? components['schemas'] : {};
    const converted: JsonObject = {};
    for (const [name, schema] of Object.entries(schemas)) converted[name] = toAjvSchema(schema, formats);
    this.registerFormats(ajv, formats);
    ajv.addSchema({ $id: ROOT_ID, components: { schemas: converted } });
    this.ajvInstance = ajv;
    return ajv;
  }

  /** Formats Ajv does not know (e.g. Zendesk's `bigid`) are accepted without checking. */
  private registerFormats(ajv: Ajv, formats: Set<string>): void {
    for (const format of formats) {
      if (ajv.formats[format] === undefined) ajv.addFormat(format, true);
    }
  }

  private compile(schema: unknown, label: string): ValidateFunction | string {
    const ajv = this.ajv();
    const formats = new Set<string>();
    const converted = toAjvSchema(schema, formats);
    this.registerFormats(ajv, formats);
    try {
      if (typeof converted !== 'boolean' && !isRecord(converted)) {
        throw new Error(`schema is neither an object nor a boolean`);
      }
      return ajv.compile(converted);
    } catch (error) {
      return `cannot compile the response schema of ${label}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}
