import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type FaultDecision,
  FaultInjector,
  FaultSpecError,
  formatFaultSpec,
  noFaults,
  parseFaultSpec,
} from '../src/common/faults.js';
import { seededRandom } from '../src/common/prng.js';

/** What a decision looks like in a sequence: `ok`, `reset` or the injected status. */
function label(decision: FaultDecision): string {
  return decision.kind === 'status' ? String(decision.status) : decision.kind === 'none' ? 'ok' : 'reset';
}

function draw(injector: FaultInjector, n: number): FaultDecision[] {
  return Array.from({ length: n }, () => injector.decide());
}

function parseError(text: string): string {
  try {
    parseFaultSpec(text);
  } catch (error) {
    expect(error).toBeInstanceOf(FaultSpecError);
    return (error as Error).message;
  }
  throw new Error(`parseFaultSpec(${JSON.stringify(text)}) did not throw`);
}

describe('parseFaultSpec', () => {
  it('accepts the documented example', () => {
    expect(parseFaultSpec('500=0.05,503=0.05,429=0.05,reset=0.02,latency=20-200,seed=42')).toEqual({
      p500: 0.05,
      p503: 0.05,
      p429: 0.05,
      burst: 3,
      reset: 0.02,
      lostAfterWrite: 0,
      p503AfterWrite: 0,
      writePath: null,
      latency: { min: 20, max: 200 },
      retryAfter: 1,
      job404: 0,
      seed: 42,
    });
  });

  it('accepts the after-write faults, limited to writes under write-path', () => {
    const spec = parseFaultSpec('lost-after-write=0.5,503-after-write=1,write-path=/api/v2/groups,seed=3');
    expect(spec).toMatchObject({ lostAfterWrite: 0.5, p503AfterWrite: 1, writePath: '/api/v2/groups' });
    const only503 = new FaultInjector(parseFaultSpec('503-after-write=1,write-path=/api/v2/groups'));
    expect(only503.afterWrite('GET', '/api/v2/groups')).toBe('answer');
    expect(only503.afterWrite('POST', '/api/v2/users')).toBe('answer');
    expect(only503.afterWrite('POST', '/api/v2/groups')).toBe('503');
    expect(new FaultInjector(parseFaultSpec('lost-after-write=1')).afterWrite('DELETE', '/x')).toBe('lose');
  });

  it('accepts burst, retry-after, job404, a single latency value and spaces around entries', () => {
    const spec = parseFaultSpec(' 429=1 , burst=5, retry-after=7,job404=2,latency=50 ');
    expect(spec).toMatchObject({
      p429: 1,
      burst: 5,
      retryAfter: 7,
      job404: 2,
      latency: { min: 50, max: 50 },
      seed: null,
    });
  });

  it('reads an empty string and "none" as no faults', () => {
    expect(parseFaultSpec('')).toEqual(noFaults);
    expect(parseFaultSpec('  ')).toEqual(noFaults);
    expect(parseFaultSpec('none')).toEqual(noFaults);
  });

  it('returns a frozen specification', () => {
    expect(Object.isFrozen(parseFaultSpec('500=0.1'))).toBe(true);
  });

  it('lists every problem at once, naming each entry', () => {
    const message = parseError(
      '500=2,503=-0.1,429=x,reset=0.5,latency=200-20,burst=0,seed=1.5,retry-after=-1,job404=a,teapot=1,oops',
    );
    expect(message).toMatch(/^invalid --faults: /);
    for (const entry of [
      '"500=2"',
      '"503=-0.1"',
      '"429=x"',
      '"latency=200-20"',
      '"burst=0"',
      '"seed=1.5"',
      '"retry-after=-1"',
      '"job404=a"',
      '"teapot=1"',
      '"oops"',
    ]) {
      expect(message).toContain(entry);
    }
    // The valid entry is not reported; each problem says what would be accepted.
    expect(message).not.toContain('"reset=0.5"');
    expect(message).toContain('500 must be a probability between 0 and 1');
    expect(message).toContain('latency must be milliseconds');
    expect(message).toContain('burst must be a positive integer');
    expect(message).toContain('unknown fault "teapot"');
    expect(message).toContain('expected key=value');
    expect(message.split('; ')).toHaveLength(10);
  });

  it('refuses entries with a missing or extra value', () => {
    expect(parseError('500=')).toContain('"500=": expected key=value');
    expect(parseError('500=0.1=0.2')).toContain('"500=0.1=0.2": expected key=value');
    expect(parseError('latency=-5')).toContain('"latency=-5"');
    expect(parseError('500=0.1,,503=0.1')).toContain('"": expected key=value');
  });

  it('round-trips through formatFaultSpec', () => {
    const text =
      '500=0.05,503=0.05,429=0.05,burst=4,reset=0.02,latency=20-200,job404=2,retry-after=3,seed=42';
    const spec = parseFaultSpec(text);
    expect(formatFaultSpec(spec)).toBe(text);
    expect(parseFaultSpec(formatFaultSpec(spec))).toEqual(spec);
    expect(formatFaultSpec(noFaults)).toBe('none');
  });

  it('formats any valid specification into text that parses back to the same behaviour (property)', () => {
    const probability = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true }));
    const specText = fc
      .record({
        p500: probability,
        p503: probability,
        p429: probability,
        burst: fc.integer({ min: 1, max: 10 }),
        reset: probability,
        latency: fc.option(
          fc.tuple(fc.nat(500), fc.nat(500)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        ),
        retryAfter: fc.integer({ min: 0, max: 120 }),
        job404: fc.nat(5),
        seed: fc.nat(),
      })
      .map((s) =>
        [
          `500=${s.p500}`,
          `503=${s.p503}`,
          `429=${s.p429}`,
          `burst=${s.burst}`,
          `reset=${s.reset}`,
          ...(s.latency === null ? [] : [`latency=${s.latency}`]),
          `retry-after=${s.retryAfter}`,
          `job404=${s.job404}`,
          `seed=${s.seed}`,
        ].join(','),
      );
    fc.assert(
      fc.property(specText, (text) => {
        const spec = parseFaultSpec(text);
        const again = parseFaultSpec(formatFaultSpec(spec));
        expect(formatFaultSpec(again)).toBe(formatFaultSpec(spec));
        expect(draw(new FaultInjector(again), 30)).toEqual(draw(new FaultInjector(spec), 30));
      }),
      { numRuns: 200 },
    );
  });
});

describe('seededRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
  });

  it('draws floats in [0, 1) and integers in [min, max] reaching both ends', () => {
    const random = seededRandom(123);
    const ints = new Set<number>();
    for (let i = 0; i < 5_000; i += 1) {
      const x = random.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      ints.add(random.int(3, 7));
    }
    expect([...ints].sort()).toEqual([3, 4, 5, 6, 7]);
  });
});

describe('FaultInjector', () => {
  const example = '500=0.05,503=0.05,429=0.05,reset=0.02,latency=20-200,seed=42';

  it('is deterministic for a seed: two injectors draw the same decisions', () => {
    const a = draw(new FaultInjector(parseFaultSpec(example)), 1_000);
    const b = draw(new FaultInjector(parseFaultSpec(example)), 1_000);
    expect(b).toEqual(a);
    // Not trivially so: the sequence holds every kind of decision and varied latencies.
    expect(new Set(a.map(label))).toEqual(new Set(['ok', 'reset', '500', '503', '429']));
    expect(new Set(a.map((d) => d.delayMs)).size).toBeGreaterThan(50);
  });

  it('draws a different sequence for a different seed', () => {
    const a = draw(new FaultInjector(parseFaultSpec(example)), 200).map(label);
    const b = draw(new FaultInjector(parseFaultSpec(example.replace('seed=42', 'seed=43'))), 200).map(label);
    expect(b).not.toEqual(a);
  });

  it('restarts the sequence from its seed when configured again', () => {
    const injector = new FaultInjector(parseFaultSpec(example));
    const first = draw(injector, 100);
    injector.configure(parseFaultSpec(example));
    expect(draw(injector, 100)).toEqual(first);
    expect(injector.current.seed).toBe(42);
  });

  it('never injects anything without faults', () => {
    const decisions = draw(new FaultInjector(noFaults), 1_000);
    expect(decisions.every((d) => d.kind === 'none' && d.delayMs === 0)).toBe(true);
  });

  it('honours each probability roughly over 10,000 draws', () => {
    const n = 10_000;
    const rate = (text: string, kind: string) =>
      draw(new FaultInjector(parseFaultSpec(text)), n).filter((d) => label(d) === kind).length / n;
    expect(rate('500=0.1,seed=1', '500')).toBeCloseTo(0.1, 1);
    expect(rate('503=0.3,seed=2', '503')).toBeCloseTo(0.3, 1);
    expect(rate('reset=0.05,seed=3', 'reset')).toBeGreaterThan(0.035);
    expect(rate('reset=0.05,seed=3', 'reset')).toBeLessThan(0.065);
    expect(rate('500=1,seed=4', '500')).toBe(1);
    expect(rate('500=0,seed=4', '500')).toBe(0);
  });

  it('tries the faults in order reset, 500, 503, 429, so the documented example stays close to its figures', () => {
    const n = 10_000;
    const counts = new Map<string, number>();
    for (const d of draw(new FaultInjector(parseFaultSpec(example)), n))
      counts.set(label(d), (counts.get(label(d)) ?? 0) + 1);
    const share = (kind: string) => (counts.get(kind) ?? 0) / n;
    // Expected: reset 0.02, 500 ≈ 0.049, 503 ≈ 0.047, 429 ≈ 3 × 0.044 (bursts of 3).
    expect(share('reset')).toBeGreaterThan(0.01);
    expect(share('reset')).toBeLessThan(0.03);
    expect(share('500')).toBeGreaterThan(0.035);
    expect(share('500')).toBeLessThan(0.065);
    expect(share('503')).toBeGreaterThan(0.035);
    expect(share('503')).toBeLessThan(0.065);
    expect(share('429')).toBeGreaterThan(0.08);
    expect(share('429')).toBeLessThan(0.16);
    expect(share('ok')).toBeGreaterThan(0.7);
  });

  it('draws latencies uniformly within the range, both ends included', () => {
    const decisions = draw(new FaultInjector(parseFaultSpec('latency=10-14,seed=9')), 2_000);
    const delays = new Set(decisions.map((d) => d.delayMs));
    expect([...delays].sort()).toEqual([10, 11, 12, 13, 14]);
    expect(decisions.every((d) => d.kind === 'none')).toBe(true);
    const fixed = draw(new FaultInjector(parseFaultSpec('latency=30,seed=9')), 100);
    expect(fixed.every((d) => d.delayMs === 30)).toBe(true);
  });

  it('answers 429 for `burst` consecutive requests once a burst starts, whatever else is drawn', () => {
    const injector = new FaultInjector(parseFaultSpec('429=0.1,500=0.5,burst=4,seed=5'));
    const labels = draw(injector, 5_000).map(label);
    let bursts = 0;
    for (let i = 0; i < labels.length; ) {
      if (labels[i] !== '429') {
        i += 1;
        continue;
      }
      let run = 0;
      while (labels[i + run] === '429') run += 1;
      // A run is one or more whole bursts (a new burst may start right after one ends), except
      // possibly the last, cut off by the end of the sample.
      if (i + run < labels.length) expect(run % 4).toBe(0);
      bursts += 1;
      i += run;
    }
    expect(bursts).toBeGreaterThan(50);
  });

  it('answers 429 every time with burst=1 and probability 1', () => {
    const labels = draw(new FaultInjector(parseFaultSpec('429=1,burst=1,seed=1')), 20).map(label);
    expect(labels).toEqual(Array(20).fill('429'));
  });

  it('starts a configured injector without a pending burst', () => {
    const injector = new FaultInjector(parseFaultSpec('429=1,burst=10,seed=1'));
    expect(label(injector.decide())).toBe('429');
    injector.configure(noFaults);
    expect(label(injector.decide())).toBe('ok');
  });
});
