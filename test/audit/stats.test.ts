import { mulberry32 } from '../kernel-problems.js';
import { Rng } from '../../src/data/random.js';
import { describe, expect, it } from 'vitest';
import {
  confidenceInterval95, fisherCombined, incompleteBeta, mean, sd, tCdf, tQuantile,
} from '../../src/audit/stats.js';


describe('t distribution', () => {
  it('gives the textbook 97.5% critical values', () => {
    const table: [number, number][] = [[1, 12.706], [4, 2.776], [9, 2.262], [29, 2.045]];
    for (const [df, t] of table) expect(Math.abs(tQuantile(0.975, df) - t)).toBeLessThan(1e-3);
  });

  it('matches scipy.stats.t.ppf to 1e-9 across df (including beyond any table)', () => {
    // scipy 1.17.1 t.ppf(0.975, df) and t.ppf(0.999, df).
    const ref: [number, number, number][] = [
      [1, 12.706204736174694, 318.30883898555015],
      [2, 4.302652729749462, 22.327124770119866],
      [7, 2.364624251592784, 4.785289628638333],
      [30, 2.0422724563012378, 3.3851848668293045],
      [100, 1.9839715185235518, 3.173739493738783],
      [1000, 1.9623390808264083, 3.0984021639129233],
      [3.3, 3.024874461840807, 8.9515951094625],
    ];
    for (const [df, q975, q999] of ref) {
      expect(Math.abs(tQuantile(0.975, df) / q975 - 1)).toBeLessThan(1e-9);
      expect(Math.abs(tQuantile(0.999, df) / q999 - 1)).toBeLessThan(1e-9);
      expect(tQuantile(0.025, df)).toBeCloseTo(-q975, 9);
    }
    expect(tQuantile(0.5, 5)).toBe(0);
    expect(() => tQuantile(1, 5)).toThrow();
    expect(() => tQuantile(0.975, 0)).toThrow();
  });

  it('has the closed-form CDFs for df = 1 (Cauchy) and df = 2', () => {
    for (const t of [-30, -2.5, -0.3, 0, 0.7, 1, 4, 100]) {
      expect(tCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 13);
      expect(tCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 13);
    }
    // I_x(a, 1) = x^a and I_x(1, b) = 1 − (1 − x)^b.
    expect(incompleteBeta(0.3, 2.5, 1)).toBeCloseTo(0.3 ** 2.5, 14);
    expect(incompleteBeta(0.3, 1, 3.5)).toBeCloseTo(1 - 0.7 ** 3.5, 14);
    expect(incompleteBeta(0.3, 2.5, 7.1)).toBeCloseTo(0.6490225790210132, 12); // scipy betainc
  });
});

describe("Fisher's combined p-value", () => {
  it('is p itself for one test and p1·p2·(1 − ln p1p2) for two', () => {
    expect(fisherCombined([0.3])).toBeCloseTo(0.3, 14);
    for (const [a, b] of [[0.05, 0.05], [0.5, 0.01], [1e-6, 0.9]]) {
      const q = a * b;
      expect(fisherCombined([a, b])).toBeCloseTo(q * (1 - Math.log(q)), 12);
    }
    expect(fisherCombined([0, 0.5])).toBe(0);
    expect(fisherCombined([])).toBeNaN();
    expect(fisherCombined([0.5, NaN])).toBeNaN();
  });
  it('is uniform when the p-values are (5 tests, 20,000 seeded draws)', () => {
    const rng = new Rng(7);
    let below5 = 0;
    let below1 = 0;
    const n = 20000;
    for (let t = 0; t < n; t++) {
      const p = fisherCombined(Array.from({ length: 5 }, () => 1 - rng.next()));
      if (p < 0.05) below5++;
      if (p < 0.01) below1++;
    }
    expect(Math.abs(below5 / n - 0.05)).toBeLessThan(0.005);
    expect(Math.abs(below1 / n - 0.01)).toBeLessThan(0.003);
  });
});

describe('mean, sd and the 95% interval', () => {
  it('computes a known sample', () => {
    const x = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(x)).toBe(5);
    expect(sd(x)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    const ci = confidenceInterval95(x);
    const half = (2.364624251592784 * Math.sqrt(32 / 7)) / Math.sqrt(8); // qt(0.975, 7) · s / √n
    expect(ci.n).toBe(8);
    expect(ci.mean).toBe(5);
    expect(ci.sd).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(ci.low).toBeCloseTo(5 - half, 10);
    expect(ci.high).toBeCloseTo(5 + half, 10);
    expect(ci.low).toBeCloseTo(3.2125, 3);
    // Typed arrays work too.
    expect(confidenceInterval95(Float64Array.from(x)).high).toBeCloseTo(5 + half, 10);
  });

  it('is NaN-safe for n < 2 and propagates NaN', () => {
    const one = confidenceInterval95([3]);
    expect(one.mean).toBe(3);
    expect(one.n).toBe(1);
    expect(Number.isNaN(one.sd) && Number.isNaN(one.low) && Number.isNaN(one.high)).toBe(true);
    const none = confidenceInterval95([]);
    expect(none.n).toBe(0);
    expect([none.mean, none.sd, none.low, none.high].every(Number.isNaN)).toBe(true);
    expect(Number.isNaN(mean([]))).toBe(true);
    expect(Number.isNaN(sd([1]))).toBe(true);
    expect(Number.isNaN(confidenceInterval95([1, NaN, 2]).low)).toBe(true);
    const flat = confidenceInterval95([4, 4, 4]);
    expect([flat.low, flat.high, flat.sd]).toEqual([4, 4, 0]);
  });

  it('covers the true mean about 95% of the time at n = 5 (a normal quantile would give ≈ 88%)', () => {
    const rand = mulberry32(5);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const reps = 4000;
    let covered = 0;
    for (let r = 0; r < reps; r++) {
      const x = Array.from({ length: 5 }, () => 10 + 3 * normal());
      const ci = confidenceInterval95(x);
      if (ci.low <= 10 && 10 <= ci.high) covered++;
    }
    expect(Math.abs(covered / reps - 0.95)).toBeLessThan(0.015);
  });
});
