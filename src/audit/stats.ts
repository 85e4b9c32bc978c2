// Mean, sample standard deviation and a 95% confidence interval for the mean.
//
// The interval is mean ± t_{0.975, n−1} · sd / √n with Student's t quantile computed exactly (to
// ~1e-12), not from a table: the t CDF is written through the regularised incomplete beta function,
//     P(T ≤ t) = 1 − ½ I_{ν/(ν+t²)}(ν/2, ½)   for t ≥ 0,
// evaluated by its continued fraction (modified Lentz) with a Lanczos log-gamma, and inverted by
// bisection. Any NaN among the values propagates to NaN results; with fewer than two values the sd
// and the bounds are NaN.

export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  return s / n;
}

/** Sample standard deviation (divisor n − 1); NaN for n < 2. Two-pass. */
export function sd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  const mu = mean(values);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const c = values[i] - mu;
    ss += c * c;
  }
  return Math.sqrt(ss / (n - 1));
}

export interface ConfidenceInterval {
  mean: number;
  sd: number;
  low: number;
  high: number;
  n: number;
}

/** 95% Student-t confidence interval for the mean. low = high = NaN when n < 2. */
export function confidenceInterval95(values: ArrayLike<number>): ConfidenceInterval {
  const n = values.length;
  const mu = mean(values);
  if (n < 2) return { mean: mu, sd: NaN, low: NaN, high: NaN, n };
  const s = sd(values);
  const half = (tQuantile(0.975, n - 1) * s) / Math.sqrt(n);
  return { mean: mu, sd: s, low: mu - half, high: mu + half, n };
}

// Lanczos approximation (g = 7, 9 terms), relative error ~1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** log Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for I_x(a, b) (Numerical Recipes' betacf, modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b), a, b > 0, 0 ≤ x ≤ 1. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (Number.isNaN(x) || !(a > 0) || !(b > 0)) return NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(lnFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Student's t CDF P(T ≤ t) with df > 0 degrees of freedom. */
export function tCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5); // P(T > |t|)
  return t >= 0 ? 1 - tail : tail;
}

/** Student's t quantile: the t with tCdf(t, df) = p, 0 < p < 1, by bisection on tCdf. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`tQuantile: p must be in (0, 1) (got ${p})`);
  if (!(df > 0) || !Number.isFinite(df)) throw new Error(`tQuantile: df must be a finite number > 0 (got ${df})`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Fisher's method: one p-value for R independent tests of the same null hypothesis (here one KS
 * test per run). X = −2 Σ ln p_r follows χ² with 2R degrees of freedom under the null, whose
 * survival function for even degrees of freedom is exact: P(X > x) = e^{−x/2} Σ_{i<R} (x/2)^i / i!.
 * A p of 0 gives 0; any NaN gives NaN; no values gives NaN.
 */
export function fisherCombined(pValues: ArrayLike<number>): number {
  const R = pValues.length;
  if (R === 0) return NaN;
  let x = 0;
  for (let r = 0; r < R; r++) {
    const p = pValues[r];
    if (Number.isNaN(p)) return NaN;
    if (p <= 0) return 0;
    x -= 2 * Math.log(Math.min(1, p));
  }
  const h = x / 2;
  // e^{−h} Σ h^i/i! term by term (underflows to 0 only for combined p far below any threshold used)
  let term = Math.exp(-h);
  let sum = term;
  for (let i = 1; i < R; i++) {
    term *= h / i;
    sum += term;
  }
  return Math.min(1, sum);
}
