// Binary logistic regression fitted by IRLS (Newton's method), plus accuracy and ROC AUC.
//
// The model: P(y = 1 | x) = σ(b + Σ_j w_j z_j) with z_j = (x_j − mean_j) / scale_j, the features
// standardised internally (mean and population standard deviation of the training data; a constant
// feature gets scale 1). `weights` and `intercept` are therefore on the STANDARDISED features;
// `predictProba` applies the stored mean/scale, and `rawCoefficients` converts back to raw units.
//
// The fit maximises the penalised log-likelihood
//     ℓ(b, w) = Σ_i [ y_i η_i − log(1 + e^{η_i}) ] − (l2 / 2) Σ_j w_j²,   η_i = b + w·z_i,
// (a sum over rows, not a mean; the intercept is not penalised) by Newton steps on the
// (d+1)×(d+1) system H s = g, solved by Cholesky; if H is not numerically positive definite
// (e.g. every row predicted perfectly, so the intercept's curvature underflows) a growing ridge is
// added until it is. Each step is halved while it lowers ℓ, which keeps separable data well behaved:
// there the small default l2 = 1e-6 makes the maximiser finite. Iteration stops when the largest
// |step| falls below tol (default 1e-10), or after maxIter (default 100) steps.
import { cholesky, cholSolve } from '../model/dense-cholesky.js';

export interface LogisticModel {
  /** Coefficients on the standardised features (length d). */
  weights: Float64Array;
  /** Intercept on the standardised features. */
  intercept: number;
  /** Per-feature training mean, subtracted in predictProba. */
  mean: Float64Array;
  /** Per-feature training standard deviation (1 for a constant feature), divided in predictProba. */
  scale: Float64Array;
  /** Newton steps taken. */
  iterations: number;
  /** Whether the last step's largest |component| fell below tol. */
  converged: boolean;
}

export interface LogisticOptions {
  /** L2 penalty on the (standardised) weights, not the intercept. Default 1e-6. */
  l2?: number;
  /** Maximum Newton steps. Default 100. */
  maxIter?: number;
  /** Stop when max |step| < tol. Default 1e-10. */
  tol?: number;
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function checkCount(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) {
    throw new Error(`fitLogistic: ${name} must be a positive integer (got ${v})`);
  }
}

/** Solve H s = g (H symmetric, k×k); if H is not positive definite, add a growing ridge. */
function solveNewton(H: Float64Array, g: Float64Array, k: number): Float64Array {
  const A = new Float64Array(k * k);
  let maxDiag = 0;
  for (let i = 0; i < k; i++) maxDiag = Math.max(maxDiag, Math.abs(H[i * k + i]));
  let ridge = 0;
  for (let attempt = 0; attempt < 60; attempt++) {
    A.set(H);
    for (let i = 0; i < k; i++) A[i * k + i] += ridge;
    if (cholesky(A, k)) {
      const s = Float64Array.from(g);
      cholSolve(A, k, s);
      let finite = true;
      for (let i = 0; i < k; i++) if (!Number.isFinite(s[i])) finite = false;
      if (finite) return s;
    }
    ridge = ridge === 0 ? Math.max(maxDiag * 1e-12, 1e-12) : ridge * 10;
  }
  throw new Error('fitLogistic: Newton system could not be solved even with a large ridge');
}

export function fitLogistic(
  X: Float64Array, y: Uint8Array, n: number, d: number, opts: LogisticOptions = {},
): LogisticModel {
  checkCount('n (rows)', n);
  checkCount('d (features)', d);
  if (X.length !== n * d) throw new Error(`fitLogistic: X has ${X.length} values, expected n·d = ${n * d}`);
  if (y.length !== n) throw new Error(`fitLogistic: y has ${y.length} labels, expected n = ${n}`);
  const l2 = opts.l2 ?? 1e-6;
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-10;
  if (!(l2 >= 0) || !Number.isFinite(l2)) throw new Error(`fitLogistic: l2 must be a finite number ≥ 0 (got ${l2})`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new Error(`fitLogistic: maxIter must be a positive integer (got ${maxIter})`);
  if (!(tol > 0)) throw new Error(`fitLogistic: tol must be > 0 (got ${tol})`);
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new Error(`fitLogistic: label y[${i}] = ${y[i]} is not 0 or 1`);
  }
  for (let t = 0; t < n * d; t++) {
    if (!Number.isFinite(X[t])) {
      throw new Error(`fitLogistic: feature X[${Math.floor(t / d)}, ${t % d}] = ${X[t]} is not finite`);
    }
  }

  // Standardise (two-pass mean and population sd).
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const c = X[i * d + j] - mean[j];
      scale[j] += c * c;
    }
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(scale[j] / n);
    scale[j] = s > 0 && Number.isFinite(s) ? s : 1;
  }
  const Z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) Z[i * d + j] = (X[i * d + j] - mean[j]) / scale[j];
  }

  const k = d + 1; // beta[0] = intercept, beta[1..d] = weights
  const beta = new Float64Array(k);
  const trial = new Float64Array(k);
  const g = new Float64Array(k);
  const H = new Float64Array(k * k);
  const zi = new Float64Array(k);
  zi[0] = 1;

  const eta = (b: Float64Array, i: number): number => {
    let e = b[0];
    for (let j = 0; j < d; j++) e += b[j + 1] * Z[i * d + j];
    return e;
  };
  const objective = (b: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const e = eta(b, i);
      f += (y[i] === 1 ? e : 0) - softplus(e);
    }
    let pen = 0;
    for (let j = 1; j < k; j++) pen += b[j] * b[j];
    return f - 0.5 * l2 * pen;
  };

  let f = objective(beta);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIter) {
    g.fill(0);
    H.fill(0);
    for (let i = 0; i < n; i++) {
      const p = sigmoid(eta(beta, i));
      const r = y[i] - p;
      const w = p * (1 - p);
      for (let j = 0; j < d; j++) zi[j + 1] = Z[i * d + j];
      for (let a = 0; a < k; a++) {
        g[a] += r * zi[a];
        const wa = w * zi[a];
        for (let c = 0; c <= a; c++) H[a * k + c] += wa * zi[c];
      }
    }
    for (let a = 1; a < k; a++) {
      g[a] -= l2 * beta[a];
      H[a * k + a] += l2;
    }
    for (let a = 0; a < k; a++) for (let c = 0; c < a; c++) H[c * k + a] = H[a * k + c];

    const s = solveNewton(H, g, k);
    // Step halving: accept the first t with ℓ(β + t s) not below ℓ(β) (up to rounding noise).
    const slack = 1e-12 * (1 + Math.abs(f));
    let t = 1;
    let fNew = -Infinity;
    for (let h = 0; h < 60; h++) {
      for (let a = 0; a < k; a++) trial[a] = beta[a] + t * s[a];
      fNew = objective(trial);
      if (fNew >= f - slack) break;
      t *= 0.5;
    }
    iterations++;
    if (!(fNew >= f - slack)) break; // no ascent direction left at machine precision
    let maxStep = 0;
    for (let a = 0; a < k; a++) maxStep = Math.max(maxStep, Math.abs(trial[a] - beta[a]));
    beta.set(trial);
    f = fNew;
    if (maxStep < tol) {
      converged = true;
      break;
    }
  }

  return { weights: beta.slice(1), intercept: beta[0], mean, scale, iterations, converged };
}

/** P(y = 1) for each of the n rows of X (n × d row-major, raw features). */
export function predictProba(m: LogisticModel, X: Float64Array, n: number): Float64Array {
  const d = m.weights.length;
  if (!Number.isInteger(n) || n < 0) throw new Error(`predictProba: n must be an integer ≥ 0 (got ${n})`);
  if (X.length !== n * d) throw new Error(`predictProba: X has ${X.length} values, expected n·d = ${n * d}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let e = m.intercept;
    for (let j = 0; j < d; j++) e += m.weights[j] * ((X[i * d + j] - m.mean[j]) / m.scale[j]);
    out[i] = sigmoid(e);
  }
  return out;
}

/** The model's coefficients in raw feature units: P(y=1|x) = σ(intercept + weights·x). */
export function rawCoefficients(m: LogisticModel): { weights: Float64Array; intercept: number } {
  const d = m.weights.length;
  const weights = new Float64Array(d);
  let intercept = m.intercept;
  for (let j = 0; j < d; j++) {
    weights[j] = m.weights[j] / m.scale[j];
    intercept -= weights[j] * m.mean[j];
  }
  return { weights, intercept };
}

/** Fraction of rows where (p ≥ 0.5) equals y. NaN for no rows. */
export function accuracy(p: Float64Array, y: Uint8Array): number {
  if (p.length !== y.length) throw new Error(`accuracy: ${p.length} predictions but ${y.length} labels`);
  if (p.length === 0) return NaN;
  let hit = 0;
  for (let i = 0; i < p.length; i++) if ((p[i] >= 0.5 ? 1 : 0) === y[i]) hit++;
  return hit / p.length;
}

/**
 * ROC AUC = P(score of a random positive > score of a random negative) + ½ P(equal), by the
 * Mann–Whitney rank sum with average ranks for ties (O(n log n)). NaN when either class is empty.
 */
export function rocAuc(scores: ArrayLike<number>, y: Uint8Array): number {
  const n = scores.length;
  if (n !== y.length) throw new Error(`rocAuc: ${n} scores but ${y.length} labels`);
  let nPos = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new Error(`rocAuc: label y[${i}] = ${y[i]} is not 0 or 1`);
    if (Number.isNaN(scores[i])) throw new Error(`rocAuc: score ${i} is NaN`);
    nPos += y[i];
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b] || 0);
  // Sum of the (1-based, tie-averaged) ranks of the positives.
  let rankSum = 0;
  for (let start = 0; start < n;) {
    let end = start + 1;
    const v = scores[order[start]];
    while (end < n && scores[order[end]] === v) end++;
    const avgRank = (start + 1 + end) / 2;
    let pos = 0;
    for (let t = start; t < end; t++) pos += y[order[t]];
    rankSum += pos * avgRank;
    start = end;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
