// Shared by the kernel tests (kernels.test.ts, sherman.test.ts): seeded random implicit-feedback
// problems, uploading them into a backend's buffers, and float64 references computed in plain JS.
import { solveScratchFloats, type CsrBufs, type F32Buf, type Kernels } from '../src/kernels/kernels.js';

// ---------------------------------------------------------------------------------------------
// Seeded data

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Problem {
  m: number; // rows being solved (users)
  n: number; // fixed side rows (items)
  k: number;
  lambda: number;
  indptr: Int32Array;
  indices: Int32Array;
  conf: Float32Array;
  X: Float32Array; // m × k
  Y: Float32Array; // n × k
}

export interface ProblemOpts {
  /** rows (default 23) */
  m?: number;
  /** items (default max(40, 3k)) */
  n?: number;
  /** stored pairs per row: uniform in [minPerRow, maxPerRow] (defaults 1 and 19, capped at n) */
  minPerRow?: number;
  maxPerRow?: number;
  /** factor entries are uniform in (−scale, scale) (default 0.3) */
  yScale?: number;
  xScale?: number;
  lambda?: number;
  /** fraction of stored pairs that are blocked (c = 0) */
  blocked?: number;
  alpha?: number;
}

/**
 * Random implicit-feedback problem: every 5th row (2, 7, 12, ...) empty, conf 1 + alpha or 0
 * (blocked). Draws the pattern, then Y, then X, so X never changes the pattern or Y of a seed.
 */
export function makeProblem(seed: number, k: number, o: ProblemOpts = {}): Problem {
  const rnd = mulberry32(seed);
  const m = o.m ?? 23;
  const n = o.n ?? Math.max(40, 3 * k);
  const maxPer = Math.min(o.maxPerRow ?? 19, n);
  const minPer = o.minPerRow ?? 1;
  const yScale = o.yScale ?? 0.3;
  const xScale = o.xScale ?? 0.3;
  const blocked = o.blocked ?? 0.1;
  const alpha = o.alpha ?? 40;
  const indptr = new Int32Array(m + 1);
  const idx: number[] = [];
  const cf: number[] = [];
  for (let u = 0; u < m; u++) {
    if (u % 5 !== 2) {
      const cnt = minPer + Math.floor(rnd() * (maxPer - minPer + 1));
      const set = new Set<number>();
      while (set.size < cnt) set.add(Math.floor(rnd() * n));
      for (const i of [...set].sort((a, b) => a - b)) {
        idx.push(i);
        cf.push(rnd() < blocked ? 0 : 1 + alpha);
      }
    }
    indptr[u + 1] = idx.length;
  }
  const Y = new Float32Array(n * k).map(() => (2 * rnd() - 1) * yScale);
  const X = new Float32Array(m * k).map(() => (2 * rnd() - 1) * xScale);
  return {
    m, n, k, lambda: o.lambda ?? 1, indptr, indices: Int32Array.from(idx), conf: Float32Array.from(cf), X, Y,
  };
}

// ---------------------------------------------------------------------------------------------
// Backend buffers

export interface Loaded {
  csr: CsrBufs;
  X: F32Buf;
  Y: F32Buf;
  gram: F32Buf; // YᵀY + λI computed by the backend
  scratch: F32Buf; // solveScratchFloats(k), the last block allocated
}

export function f32Of(kern: Kernels, data: ArrayLike<number>): F32Buf {
  const b = kern.f32(data.length);
  b.view.set(data);
  return b;
}

/** Copies p into kern's buffers (an empty pattern gets one-element placeholders) and computes the gram. */
export function load(kern: Kernels, p: Problem): Loaded {
  const indptr = kern.i32(p.indptr.length);
  indptr.view.set(p.indptr);
  const indices = kern.i32(Math.max(p.indices.length, 1));
  indices.view.set(p.indices);
  const conf = f32Of(kern, p.conf.length ? p.conf : [0]);
  const X = f32Of(kern, p.X);
  const Y = f32Of(kern, p.Y);
  const gram = kern.f32(p.k * p.k);
  kern.gram(Y, p.n, p.k, p.lambda, gram);
  const scratch = kern.f32(solveScratchFloats(p.k));
  return { csr: { rows: p.m, cols: p.n, indptr, indices, conf }, X, Y, gram, scratch };
}

// ---------------------------------------------------------------------------------------------
// Float64 references

/** YᵀY + λI in float64. */
export function gram64(p: Problem): Float64Array {
  const { k, Y } = p;
  const G = new Float64Array(k * k);
  for (let r = 0; r < p.n; r++) {
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) G[i * k + j] += Y[r * k + i] * Y[r * k + j];
  }
  for (let i = 0; i < k; i++) G[i * k + i] += p.lambda;
  return G;
}

export interface NormalEqOpts {
  /** a k×k gram to use instead of gram64(p) */
  gram?: ArrayLike<number>;
  /** stored pairs (CSR positions) to leave out */
  skip?: Set<number>;
}

/** A_u = YᵀY + λI + Σ (c − 1) y yᵀ and b_u = Σ c y in float64. */
export function normalEq(p: Problem, u: number, o: NormalEqOpts = {}): { A: Float64Array; b: Float64Array } {
  const { k, Y } = p;
  const A = o.gram ? Float64Array.from(o.gram) : gram64(p);
  const b = new Float64Array(k);
  for (let e = p.indptr[u]; e < p.indptr[u + 1]; e++) {
    if (o.skip?.has(e)) continue;
    const yo = p.indices[e] * k;
    const c = p.conf[e];
    for (let i = 0; i < k; i++) {
      b[i] += c * Y[yo + i];
      for (let j = 0; j < k; j++) A[i * k + j] += (c - 1) * Y[yo + i] * Y[yo + j];
    }
  }
  return { A, b };
}

/** A⁻¹b by Gaussian elimination with partial pivoting (float64). */
export function gaussSolve(A0: Float64Array, b0: Float64Array, k: number): Float64Array {
  const A = A0.slice();
  const b = b0.slice();
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(A[r * k + c]) > Math.abs(A[piv * k + c])) piv = r;
    if (piv !== c) {
      for (let j = 0; j < k; j++) {
        const t = A[c * k + j];
        A[c * k + j] = A[piv * k + j];
        A[piv * k + j] = t;
      }
      const t = b[c];
      b[c] = b[piv];
      b[piv] = t;
    }
    for (let r = c + 1; r < k; r++) {
      const f = A[r * k + c] / A[c * k + c];
      if (f === 0) continue;
      for (let j = c; j < k; j++) A[r * k + j] -= f * A[c * k + j];
      b[r] -= f * b[c];
    }
  }
  const x = new Float64Array(k);
  for (let r = k - 1; r >= 0; r--) {
    let s = b[r];
    for (let j = r + 1; j < k; j++) s -= A[r * k + j] * x[j];
    x[r] = s / A[r * k + r];
  }
  return x;
}

/** A⁻¹ by Gauss–Jordan elimination with partial pivoting (float64). */
export function inverse64(A0: ArrayLike<number>, k: number): Float64Array {
  const A = Float64Array.from(A0);
  const X = new Float64Array(k * k);
  for (let i = 0; i < k; i++) X[i * k + i] = 1;
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(A[r * k + c]) > Math.abs(A[piv * k + c])) piv = r;
    if (piv !== c) {
      for (let j = 0; j < k; j++) {
        [A[c * k + j], A[piv * k + j]] = [A[piv * k + j], A[c * k + j]];
        [X[c * k + j], X[piv * k + j]] = [X[piv * k + j], X[c * k + j]];
      }
    }
    const d = A[c * k + c];
    for (let j = 0; j < k; j++) {
      A[c * k + j] /= d;
      X[c * k + j] /= d;
    }
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = A[r * k + c];
      if (f === 0) continue;
      for (let j = 0; j < k; j++) {
        A[r * k + j] -= f * A[c * k + j];
        X[r * k + j] -= f * X[c * k + j];
      }
    }
  }
  return X;
}
