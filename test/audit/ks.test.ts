import { mulberry32 } from '../kernel-problems.js';
import { describe, expect, it } from 'vitest';
import {
  KS_EXACT_MAX_NM, kolmogorovQ, ksAsymptoticPValue, ksExactPValue, ksTwoSample,
} from '../../src/audit/ks.js';


function normals(rand: () => number, count: number, shift = 0): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const u = 1 - rand();
    out[i] = shift + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

/** sup |F_a − F_b| evaluated at every sample point, by counting (O((n+m)²)). */
function bruteD(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const pts = [...Array.from(a), ...Array.from(b)];
  let best = 0;
  for (const x of pts) {
    let ca = 0;
    let cb = 0;
    for (let i = 0; i < a.length; i++) if (a[i] <= x) ca++;
    for (let j = 0; j < b.length; j++) if (b[j] <= x) cb++;
    best = Math.max(best, Math.abs(ca / a.length - cb / b.length));
  }
  return best;
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

describe('ksTwoSample statistic', () => {
  it('matches a brute-force sup over all sample points, with and without ties', () => {
    const rand = mulberry32(2024);
    for (const [n, m, levels] of [[10, 10, 3], [37, 53, 5], [200, 150, 12], [7, 300, 4], [120, 80, 0], [1, 1, 2]]) {
      const draw = (k: number, shift: number) =>
        Array.from({ length: k }, () => (levels ? Math.floor(rand() * levels) + (rand() < shift ? 1 : 0) : rand() + shift));
      const a = draw(n, 0);
      const b = draw(m, 0.2);
      const r = ksTwoSample(a, b);
      expect(r.statistic).toBeCloseTo(bruteD(a, b), 14);
      expect(r.n).toBe(n);
      expect(r.m).toBe(m);
    }
    // A tie straddling both samples: measuring before consuming every copy would give 1, not 0.5.
    expect(ksTwoSample([0, 1], [1, 1]).statistic).toBe(0.5);
    expect(ksTwoSample([5, 5, 5], [5, 5]).statistic).toBe(0);
    expect(ksTwoSample([3, 1, 2], [2, 3, 1]).pValue).toBe(1);
  });
});

describe('ksTwoSample p-value', () => {
  it('reproduces scipy.stats.ks_2samp(method="exact") for [1..5] vs [6..10]', () => {
    const r = ksTwoSample([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.statistic).toBe(1);
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeCloseTo(0.007936507936507936, 14); // = 2 / C(10, 5)
  });

  it('gives a small p-value on the classic 25-vs-20 example', () => {
    const a = [0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64, -0.82,
      0.37, 1.77, 1.09, -1.28, 2.36, 1.31, 1.05, -0.32, -0.4, 1.06, -2.47];
    const b = [2.2, 1.66, 1.38, 0.2, 0.36, 0.0, 0.96, 1.56, 0.44, 1.5, -0.3, 0.66, 2.31, 3.29, -0.27, 1.0,
      2.34, 1.17, 1.09, 0.79];
    const r = ksTwoSample(a, b);
    expect(r.statistic).toBeCloseTo(bruteD(a, b), 14);
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeGreaterThan(0.001);
    expect(r.pValue).toBeLessThan(0.05);
    // scipy 1.17.1: ks_2samp(a, b, method='exact') → D = 0.42, p = 0.029080084528345252.
    expect(r.statistic).toBeCloseTo(0.42, 14);
    expect(r.pValue).toBeCloseTo(0.029080084528345252, 12);
  });

  it('matches more scipy exact values, including a tiny one to relative precision', () => {
    // scipy.stats._stats_py._attempt_exact_2kssamp(n, m, gcd, D, 'two-sided'), scipy 1.17.1.
    expect(ksExactPValue(30, 47, 0.2)).toBeCloseTo(0.38875200451956937, 12);
    expect(ksExactPValue(100, 100, 0.2)).toBeCloseTo(0.03638428787491733, 12);
    const tiny = ksExactPValue(100, 100, 0.4);
    expect(Math.abs(tiny / 1.5550790371345692e-7 - 1)).toBeLessThan(1e-9);
  });

  it('keeps p > 0.01 for samples from one distribution (n = m = 2000, ≥ 95 of 100 seeds)', () => {
    let ok = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const rand = mulberry32(seed * 7919);
      const r = ksTwoSample(normals(rand, 2000), normals(rand, 2000));
      expect(r.method).toBe('asymptotic');
      if (r.pValue > 0.01) ok++;
    }
    expect(ok).toBeGreaterThanOrEqual(95);
  });

  it('rejects a 0.3 shift at n = m = 2000 with p < 1e-6', () => {
    const rand = mulberry32(31337);
    const r = ksTwoSample(normals(rand, 2000), normals(rand, 2000, 0.3));
    expect(r.method).toBe('asymptotic');
    expect(r.pValue).toBeLessThan(1e-6);
    expect(r.statistic).toBeGreaterThan(0.08);
  });

  it('uses the exact distribution up to n·m = 10,000 and asymptotics beyond', () => {
    expect(KS_EXACT_MAX_NM).toBe(10_000);
    expect(ksTwoSample(new Array(100).fill(0).map((_, i) => i), new Array(100).fill(0).map((_, i) => i + 0.5)).method)
      .toBe('exact');
    expect(ksTwoSample(new Array(101).fill(0).map((_, i) => i), new Array(100).fill(0).map((_, i) => i + 0.5)).method)
      .toBe('asymptotic');
  });

  it('asymptotic (Stephens) and exact p-values agree around n = m = 80', () => {
    // At every attainable D. In the decision region (exact p ≤ 0.2) within 0.02; the largest gap
    // anywhere (p ≈ 0.56 at n = m = 80, where the lattice atoms are widest) is 0.031.
    for (const [n, m] of [[80, 80], [80, 79], [75, 85], [80, 70]]) {
      const g = gcd(n, m);
      let worst = 0;
      let worstTail = 0;
      for (let k = g; k <= n * m; k += g) {
        const D = k / (n * m);
        const e = ksExactPValue(n, m, D);
        const diff = Math.abs(ksAsymptoticPValue(n, m, D) - e);
        worst = Math.max(worst, diff);
        if (e <= 0.2) worstTail = Math.max(worstTail, diff);
      }
      expect(worstTail).toBeLessThan(0.02);
      expect(worst).toBeLessThan(0.05);
    }
    // And on real samples at n = m = 80 (exact used) vs the asymptotic formula.
    for (let seed = 1; seed <= 10; seed++) {
      const rand = mulberry32(seed);
      const r = ksTwoSample(normals(rand, 80), normals(rand, 80, 0.4));
      expect(r.method).toBe('exact');
      expect(r.pValue).toBe(ksExactPValue(80, 80, r.statistic));
      expect(Math.abs(ksAsymptoticPValue(80, 80, r.statistic) - r.pValue)).toBeLessThan(0.035);
    }
  });

  it('evaluates the Kolmogorov distribution correctly on both series branches', () => {
    // scipy 1.17.1: stats.kstwobign.isf([0.05, 0.01, 0.1, 0.5]) and .sf([0.5, 1, 1.18, 2]).
    expect(kolmogorovQ(1.3580986393225507)).toBeCloseTo(0.05, 12);
    expect(kolmogorovQ(1.6276236115189504)).toBeCloseTo(0.01, 12);
    expect(kolmogorovQ(1.2238478702170823)).toBeCloseTo(0.1, 12);
    expect(kolmogorovQ(0.8275735551899059)).toBeCloseTo(0.5, 12);
    expect(kolmogorovQ(0.5)).toBeCloseTo(0.9639452436648751, 12);
    expect(kolmogorovQ(1.0)).toBeCloseTo(0.26999967167735456, 12);
    expect(kolmogorovQ(1.18)).toBeCloseTo(0.1234538094297657, 12);
    expect(Math.abs(kolmogorovQ(2.0) / 0.0006709252557796953 - 1)).toBeLessThan(1e-10);
    // The two forms meet at the switch point.
    expect(kolmogorovQ(1.18 - 1e-13)).toBeCloseTo(kolmogorovQ(1.18), 12);
    expect(kolmogorovQ(0)).toBe(1);
    expect(kolmogorovQ(0.05)).toBe(1);
  });

  it('rejects empty samples and NaN', () => {
    expect(() => ksTwoSample([], [1])).toThrow(/non-empty/);
    expect(() => ksTwoSample([1, NaN], [1])).toThrow(/NaN/);
  });
});
