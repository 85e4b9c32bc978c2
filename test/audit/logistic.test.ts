import { mulberry32 } from '../kernel-problems.js';
import { describe, expect, it } from 'vitest';
import {
  accuracy, fitLogistic, predictProba, rawCoefficients, rocAuc,
} from '../../src/audit/logistic.js';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */

function gaussian(rand: () => number): () => number {
  return () => {
    const u = 1 - rand(); // (0, 1]
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

const sig = (z: number) => 1 / (1 + Math.exp(-z));

describe('fitLogistic', () => {
  it('recovers the coefficients of a known model (n = 20,000, d = 3)', () => {
    const rand = mulberry32(12345);
    const normal = gaussian(rand);
    const n = 20_000;
    const d = 3;
    const trueW = [1.5, -2, 0.5];
    const trueB = -0.3;
    // Features on different locations and scales, so that the internal standardisation matters.
    const loc = [0, 1, -2];
    const sc = [1, 0.8, 2];
    const X = new Float64Array(n * d);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let eta = trueB;
      for (let j = 0; j < d; j++) {
        const x = loc[j] + sc[j] * normal();
        X[i * d + j] = x;
        eta += trueW[j] * x;
      }
      y[i] = rand() < sig(eta) ? 1 : 0;
    }
    const m = fitLogistic(X, y, n, d);
    expect(m.converged).toBe(true);
    expect(m.iterations).toBeLessThan(30);
    for (let j = 0; j < d; j++) { // standardisation used the training mean and sd
      expect(Math.abs(m.mean[j] - loc[j])).toBeLessThan(0.05);
      expect(Math.abs(m.scale[j] / sc[j] - 1)).toBeLessThan(0.03);
    }
    const raw = rawCoefficients(m);
    for (let j = 0; j < d; j++) expect(Math.abs(raw.weights[j] - trueW[j])).toBeLessThan(0.1);
    expect(Math.abs(raw.intercept - trueB)).toBeLessThan(0.1);

    // predictProba applies the standardisation: it equals σ(raw intercept + raw weights · x).
    const p = predictProba(m, X.subarray(0, 50 * d), 50);
    for (let i = 0; i < 50; i++) {
      let eta = raw.intercept;
      for (let j = 0; j < d; j++) eta += raw.weights[j] * X[i * d + j];
      expect(p[i]).toBeCloseTo(sig(eta), 12);
    }
    // A well-specified model separates the classes far better than chance.
    const all = predictProba(m, X, n);
    expect(accuracy(all, y)).toBeGreaterThan(0.75);
    expect(rocAuc(all, y)).toBeGreaterThan(0.85);
  });

  it('agrees with plain gradient ascent on a small fixed data set within 1e-5', () => {
    const x1 = [0.5, -1.2, 2.3, 0.1, -0.7, 1.5, -2.0, 0.9, -0.3, 1.1, 0.0, -1.6];
    const x2 = [1.0, 0.3, -0.5, 2.1, -1.1, 0.4, 0.8, -1.9, 1.4, -0.2, 0.6, -0.9];
    const yy = [1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0];
    const n = yy.length;
    const X = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      X[2 * i] = x1[i];
      X[2 * i + 1] = x2[i];
    }
    const y = Uint8Array.from(yy);

    // Reference: gradient ascent on the unpenalised log-likelihood in raw coordinates (b, w1, w2)
    // with step 1/L, L = ¼‖[1 X]‖_F² ≥ the Hessian's largest eigenvalue; run until the gradient
    // vanishes to 1e-12.
    let L = 0;
    for (let i = 0; i < n; i++) L += 1 + x1[i] * x1[i] + x2[i] * x2[i];
    L *= 0.25;
    let b = 0;
    let w1 = 0;
    let w2 = 0;
    let gmax = Infinity;
    let steps = 0;
    while (gmax > 1e-12 && steps < 5_000_000) {
      let g0 = 0;
      let g1 = 0;
      let g2 = 0;
      for (let i = 0; i < n; i++) {
        const r = yy[i] - sig(b + w1 * x1[i] + w2 * x2[i]);
        g0 += r;
        g1 += r * x1[i];
        g2 += r * x2[i];
      }
      gmax = Math.max(Math.abs(g0), Math.abs(g1), Math.abs(g2));
      b += g0 / L;
      w1 += g1 / L;
      w2 += g2 / L;
      steps++;
    }
    expect(gmax).toBeLessThan(1e-12); // the reference did converge

    for (const l2 of [0, undefined]) { // undefined: the default 1e-6 penalty, too small to matter here
      const m = fitLogistic(X, y, n, 2, l2 === undefined ? {} : { l2 });
      expect(m.converged).toBe(true);
      const raw = rawCoefficients(m);
      expect(Math.abs(raw.intercept - b)).toBeLessThan(1e-5);
      expect(Math.abs(raw.weights[0] - w1)).toBeLessThan(1e-5);
      expect(Math.abs(raw.weights[1] - w2)).toBeLessThan(1e-5);
    }
    // And the answer is not trivial (guards against both sides returning zeros).
    expect(Math.abs(w1)).toBeGreaterThan(1);
  });

  it('penalises the standardised weights but not the intercept', () => {
    const rand = mulberry32(4242);
    const normal = gaussian(rand);
    const n = 400;
    const d = 2;
    const X = new Float64Array(n * d);
    const y = new Uint8Array(n);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      X[i * d] = 3 + 2 * normal();
      X[i * d + 1] = normal();
      y[i] = rand() < sig(1 + 0.8 * (X[i * d] - 3) - X[i * d + 1]) ? 1 : 0;
      pos += y[i];
    }
    // Stationarity of ℓ − (l2/2)‖w‖²: Σ(y − p) = 0 and Σ(y − p) z_j = l2 · w_j.
    const l2 = 25;
    const m = fitLogistic(X, y, n, d, { l2 });
    expect(m.converged).toBe(true);
    const p = predictProba(m, X, n);
    let g0 = 0;
    const g = [0, 0];
    for (let i = 0; i < n; i++) {
      g0 += y[i] - p[i];
      for (let j = 0; j < d; j++) g[j] += (y[i] - p[i]) * ((X[i * d + j] - m.mean[j]) / m.scale[j]);
    }
    expect(Math.abs(g0)).toBeLessThan(1e-8);
    for (let j = 0; j < d; j++) {
      expect(Math.abs(g[j] - l2 * m.weights[j])).toBeLessThan(1e-8);
      expect(Math.abs(m.weights[j])).toBeGreaterThan(0.1); // the penalty is active, not dominant
    }
    // A huge penalty flattens the weights; the unpenalised intercept is then logit(base rate).
    const flat = fitLogistic(X, y, n, d, { l2: 1e12 });
    for (const w of flat.weights) expect(Math.abs(w)).toBeLessThan(1e-6);
    expect(flat.intercept).toBeCloseTo(Math.log(pos / (n - pos)), 8);
  });

  it('keeps perfectly separable data finite thanks to the L2 penalty', () => {
    const xs = [-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2];
    const X = Float64Array.from(xs);
    const y = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
    const m = fitLogistic(X, y, xs.length, 1);
    expect(Number.isFinite(m.intercept)).toBe(true);
    expect(Number.isFinite(m.weights[0])).toBe(true);
    expect(m.weights[0]).toBeGreaterThan(1); // pushed hard towards separation, but bounded
    const p = predictProba(m, X, xs.length);
    for (const v of p) expect(Number.isFinite(v)).toBe(true);
    expect(accuracy(p, y)).toBe(1);
    expect(rocAuc(p, y)).toBe(1);

    // Two features, separable along their sum, with a constant third feature.
    const X2 = new Float64Array(6 * 3);
    const rows = [[0, 0], [1, -2], [-1, 0.5], [2, 1], [0, 3], [1.5, 0]];
    const y2 = Uint8Array.from([0, 0, 0, 1, 1, 1]);
    rows.forEach(([a, c], i) => X2.set([a, c, 7], 3 * i));
    const m2 = fitLogistic(X2, y2, 6, 3);
    for (const w of m2.weights) expect(Number.isFinite(w)).toBe(true);
    expect(accuracy(predictProba(m2, X2, 6), y2)).toBe(1);
  });

  it('throws clear errors on bad input', () => {
    const X = Float64Array.from([1, 2, 3, 4]);
    const y = Uint8Array.from([0, 1]);
    expect(() => fitLogistic(new Float64Array(0), new Uint8Array(0), 0, 2)).toThrow(/n \(rows\)/);
    expect(() => fitLogistic(new Float64Array(0), y, 2, 0)).toThrow(/d \(features\)/);
    expect(() => fitLogistic(X, Uint8Array.from([0, 2]), 2, 2)).toThrow(/label y\[1\] = 2/);
    expect(() => fitLogistic(Float64Array.from([1, NaN, 3, 4]), y, 2, 2)).toThrow(/not finite/);
    expect(() => fitLogistic(Float64Array.from([1, 2, Infinity, 4]), y, 2, 2)).toThrow(/X\[1, 0\]/);
    expect(() => fitLogistic(X, y, 2, 3)).toThrow(/expected n·d/);
    expect(() => fitLogistic(X, Uint8Array.from([0, 1, 1]), 2, 2)).toThrow(/expected n/);
    expect(() => fitLogistic(X, y, 2, 2, { l2: -1 })).toThrow(/l2/);
    expect(() => predictProba(fitLogistic(X, y, 2, 2), X, 3)).toThrow(/expected n·d/);
  });
});

describe('accuracy', () => {
  it('thresholds at 0.5', () => {
    const p = Float64Array.from([0.1, 0.5, 0.49, 0.9, 0.7]);
    const y = Uint8Array.from([0, 1, 1, 1, 0]);
    expect(accuracy(p, y)).toBeCloseTo(3 / 5, 15);
    expect(Number.isNaN(accuracy(new Float64Array(0), new Uint8Array(0)))).toBe(true);
    expect(() => accuracy(p, new Uint8Array(2))).toThrow();
  });
});

describe('rocAuc', () => {
  function bruteAuc(s: ArrayLike<number>, y: Uint8Array): number {
    let num = 0;
    let pairs = 0;
    for (let i = 0; i < s.length; i++) {
      if (y[i] !== 1) continue;
      for (let j = 0; j < s.length; j++) {
        if (y[j] !== 0) continue;
        pairs++;
        if (s[i] > s[j]) num += 1;
        else if (s[i] === s[j]) num += 0.5;
      }
    }
    return num / pairs;
  }

  it('matches the O(n²) pair count, with ties', () => {
    const rand = mulberry32(7);
    for (const [n, levels] of [[300, 6], [501, 40], [64, 2], [200, 1e9]]) {
      const s = new Float64Array(n);
      const y = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = rand() < 0.4 ? 1 : 0;
        // Discrete levels (heavy ties), with positives shifted up a little.
        s[i] = Math.floor(rand() * levels) + (y[i] && rand() < 0.3 ? 1 : 0);
      }
      expect(rocAuc(s, y)).toBeCloseTo(bruteAuc(s, y), 12);
    }
    // Plain arrays work too, and infinities sort correctly.
    const s = [-Infinity, 0, 0, Infinity, 2, 2];
    const y = Uint8Array.from([0, 1, 0, 1, 0, 1]);
    expect(rocAuc(s, y)).toBeCloseTo(bruteAuc(s, y), 15);
  });

  it('is 1 for perfect separation, 0 for perfect inversion, 0.5 for one distribution', () => {
    const s = Float64Array.from([0.1, 0.2, 0.3, 0.8, 0.9]);
    expect(rocAuc(s, Uint8Array.from([0, 0, 0, 1, 1]))).toBe(1);
    expect(rocAuc(s, Uint8Array.from([1, 1, 0, 0, 0]))).toBe(0);
    expect(rocAuc(Float64Array.from([3, 3, 3, 3]), Uint8Array.from([0, 1, 0, 1]))).toBe(0.5);

    const rand = mulberry32(99);
    const normal = gaussian(rand);
    const n = 20_000;
    const sc = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      sc[i] = normal();
      y[i] = rand() < 0.5 ? 1 : 0;
    }
    expect(Math.abs(rocAuc(sc, y) - 0.5)).toBeLessThan(0.02);
    // A shift of one sd in the positives gives Φ(1/√2) ≈ 0.760.
    for (let i = 0; i < n; i++) if (y[i]) sc[i] += 1;
    expect(Math.abs(rocAuc(sc, y) - 0.7602)).toBeLessThan(0.02);
  });

  it('is NaN with one class and rejects bad labels', () => {
    expect(Number.isNaN(rocAuc([1, 2], Uint8Array.from([1, 1])))).toBe(true);
    expect(() => rocAuc([1, 2], Uint8Array.from([1, 3]))).toThrow(/not 0 or 1/);
    expect(() => rocAuc([1, NaN], Uint8Array.from([1, 0]))).toThrow(/NaN/);
    expect(() => rocAuc([1, 2, 3], Uint8Array.from([1, 0]))).toThrow();
  });
});
