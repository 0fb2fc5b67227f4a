import { type Random, seededRandom } from './prng.js';

/**
 * Faults injected on purpose, per API request. Probabilities are in [0, 1]; they are tried in a fixed
 * order (reset, 500, 503, 429) with one random draw each, so a seed gives a reproducible sequence.
 */
export interface FaultSpec {
  /** Probability of answering 500 Internal Server Error. */
  readonly p500: number;
  /** Probability of answering 503 Service Unavailable with Retry-After. */
  readonly p503: number;
  /** Probability of starting a burst of 429 Too Many Requests answers. */
  readonly p429: number;
  /** How many consecutive requests one 429 burst covers (default 3). */
  readonly burst: number;
  /** Probability of destroying the connection without an answer. */
  readonly reset: number;
  /** Probability that a write (POST, PUT, PATCH, DELETE) is applied, then its connection destroyed unanswered. */
  readonly lostAfterWrite: number;
  /** Probability that a write is applied, then answered 503 Service Unavailable instead of its result. */
  readonly p503AfterWrite: number;
  /** Limits the two after-write faults to paths starting with this prefix (e.g. `/api/v2/groups`); null: every write. */
  readonly writePath: string | null;
  /** Added latency range in milliseconds, or null. */
  readonly latency: { readonly min: number; readonly max: number } | null;
  /** Seconds sent in Retry-After with injected 429 and 503 answers (default 1). */
  readonly retryAfter: number;
  /** Each new job status answers 404 for this many polls before it becomes visible (default 0). */
  readonly job404: number;
  /** Seed of the pseudo-random sequence; null means a seed drawn from the time. */
  readonly seed: number | null;
}

export const noFaults: FaultSpec = Object.freeze({
  p500: 0,
  p503: 0,
  p429: 0,
  burst: 3,
  reset: 0,
  lostAfterWrite: 0,
  p503AfterWrite: 0,
  writePath: null,
  latency: null,
  retryAfter: 1,
  job404: 0,
  seed: null,
});

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

const probabilityKeys = {
  '500': 'p500',
  '503': 'p503',
  '429': 'p429',
  reset: 'reset',
  'lost-after-write': 'lostAfterWrite',
  '503-after-write': 'p503AfterWrite',
} as const;

/**
 * Parses `500=0.05,503=0.05,429=0.05,reset=0.02,latency=20-200,seed=42` (plus `burst=N`,
 * `retry-after=S`, `job404=N`, and `lost-after-write=P`, `503-after-write=P`, `write-path=/prefix`). An empty string or `none` means no faults. Every problem is reported
 * at once, naming the entry and what would be accepted.
 */
export function parseFaultSpec(text: string): FaultSpec {
  const spec: { -readonly [K in keyof FaultSpec]: FaultSpec[K] } = { ...noFaults };
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'none') return Object.freeze(spec);
  const problems: string[] = [];
  for (const entry of trimmed.split(',')) {
    const [rawKey, rawValue, ...extra] = entry.split('=');
    const key = (rawKey ?? '').trim();
    const value = (rawValue ?? '').trim();
    if (extra.length > 0 || value === '') {
      problems.push(`"${entry}": expected key=value`);
      continue;
    }
    if (key in probabilityKeys) {
      const p = Number(value);
      if (!Number.isFinite(p) || p < 0 || p > 1) {
        problems.push(`"${entry}": ${key} must be a probability between 0 and 1`);
        continue;
      }
      spec[probabilityKeys[key as keyof typeof probabilityKeys]] = p;
    } else if (key === 'write-path') {
      if (!value.startsWith('/')) {
        problems.push(
          `"${entry}": write-path must be a path prefix starting with /, e.g. write-path=/api/v2/groups`,
        );
        continue;
      }
      spec.writePath = value;
    } else if (key === 'latency') {
      const match = /^(\d+)(?:-(\d+))?$/.exec(value);
      const min = Number(match?.[1]);
      const max = Number(match?.[2] ?? match?.[1]);
      if (!match || max < min) {
        problems.push(`"${entry}": latency must be milliseconds, e.g. latency=50 or latency=20-200`);
        continue;
      }
      spec.latency = { min, max };
    } else if (key === 'seed' || key === 'burst' || key === 'retry-after' || key === 'job404') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || (key === 'burst' && n < 1)) {
        problems.push(
          `"${entry}": ${key} must be a ${key === 'burst' ? 'positive' : 'non-negative'} integer`,
        );
        continue;
      }
      if (key === 'seed') spec.seed = n;
      else if (key === 'burst') spec.burst = n;
      else if (key === 'retry-after') spec.retryAfter = n;
      else spec.job404 = n;
    } else {
      problems.push(
        `"${entry}": unknown fault "${key}" (known: 500, 503, 429, reset, lost-after-write, 503-after-write, write-path, latency, burst, retry-after, job404, seed)`,
      );
    }
  }
  if (problems.length > 0) throw new FaultSpecError(`invalid --faults: ${problems.join('; ')}`);
  return Object.freeze(spec);
}

export function formatFaultSpec(spec: FaultSpec): string {
  const parts: string[] = [];
  if (spec.p500) parts.push(`500=${spec.p500}`);
  if (spec.p503) parts.push(`503=${spec.p503}`);
  if (spec.p429) parts.push(`429=${spec.p429}`, `burst=${spec.burst}`);
  if (spec.reset) parts.push(`reset=${spec.reset}`);
  if (spec.lostAfterWrite) parts.push(`lost-after-write=${spec.lostAfterWrite}`);
  if (spec.p503AfterWrite) parts.push(`503-after-write=${spec.p503AfterWrite}`);
  if ((spec.lostAfterWrite || spec.p503AfterWrite) && spec.writePath !== null)
    parts.push(`write-path=${spec.writePath}`);
  if (spec.latency) parts.push(`latency=${spec.latency.min}-${spec.latency.max}`);
  if (spec.job404) parts.push(`job404=${spec.job404}`);
  if (parts.length > 0 && spec.retryAfter !== noFaults.retryAfter)
    parts.push(`retry-after=${spec.retryAfter}`);
  if (spec.seed !== null) parts.push(`seed=${spec.seed}`);
  return parts.length > 0 ? parts.join(',') : 'none';
}

/** What happens to a write's answer once the write is applied. */
export type AfterWriteDecision = 'answer' | 'lose' | '503';

const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type FaultDecision =
  | { readonly kind: 'none'; readonly delayMs: number }
  | { readonly kind: 'reset'; readonly delayMs: number }
  | { readonly kind: 'status'; readonly status: 429 | 500 | 503; readonly delayMs: number };

/** Draws fault decisions for successive requests from one seeded sequence. */
export class FaultInjector {
  private random: Random;
  private burstLeft = 0;

  constructor(private spec: FaultSpec) {
    this.random = seededRandom(spec.seed ?? Date.now());
  }

  get current(): FaultSpec {
    return this.spec;
  }

  /** Replaces the specification and restarts the sequence from its seed. */
  configure(spec: FaultSpec): void {
    this.spec = spec;
    this.random = seededRandom(spec.seed ?? Date.now());
    this.burstLeft = 0;
  }

  decide(): FaultDecision {
    const { spec, random } = this;
    const delayMs = spec.latency ? random.int(spec.latency.min, spec.latency.max) : 0;
    if (this.burstLeft > 0) {
      this.burstLeft -= 1;
      return { kind: 'status', status: 429, delayMs };
    }
    if (spec.reset > 0 && random.next() < spec.reset) return { kind: 'reset', delayMs };
    if (spec.p500 > 0 && random.next() < spec.p500) return { kind: 'status', status: 500, delayMs };
    if (spec.p503 > 0 && random.next() < spec.p503) return { kind: 'status', status: 503, delayMs };
    if (spec.p429 > 0 && random.next() < spec.p429) {
      this.burstLeft = spec.burst - 1;
      return { kind: 'status', status: 429, delayMs };
    }
    return { kind: 'none', delayMs };
  }

  /**
   * For a request that passed `decide`: whether its answer is lost (the connection destroyed) or
   * replaced by a 503 once the handler has applied it. Only writes, only under `writePath` when set;
   * one draw per after-write fault above 0, lost first.
   */
  afterWrite(method: string, path: string): AfterWriteDecision {
    const { spec, random } = this;
    if (!writeMethods.has(method.toUpperCase())) return 'answer';
    if (spec.writePath !== null && !path.startsWith(spec.writePath)) return 'answer';
    if (spec.lostAfterWrite > 0 && random.next() < spec.lostAfterWrite) return 'lose';
    if (spec.p503AfterWrite > 0 && random.next() < spec.p503AfterWrite) return '503';
    return 'answer';
  }
}
