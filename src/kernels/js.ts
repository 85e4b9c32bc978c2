// The pure-TypeScript twin of the WASM kernels, for engines without WebAssembly SIMD. Written for
// speed too: Float32Array storage, no allocation inside loops. Arithmetic is in JS doubles, so
// results differ from the float32 WASM kernels by rounding only.
import type { CsrBufs, F32Buf, I32Buf, InvertArgs, Kernels, SolveArgs } from './kernels.js';
import { SM_TOL, SOLVER_CHOLESKY, f64View } from './kernels.js';

class JsF32 implements F32Buf {
  readonly ptr = -1;
  readonly view: Float32Array;
  constructor(readonly length: number) {
    this.view = new Float32Array(length);
  }
}

class JsI32 implements I32Buf {
  readonly ptr = -1;
  readonly view: Int32Array;
  constructor(readonly length: number) {
    this.view = new Int32Array(length);
  }
}

/** out = AᵀA + reg·I. */
function gram(A: F32Buf, rows: number, k: number, reg: number, out: F32Buf): void {
  const a = A.view;
  const g = out.view;
  const acc = new Float64Array(k * k);
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    for (let i = 0; i < k; i++) {
      const ai = a[o + i];
      if (ai === 0) continue;
      const row = i * k;
      for (let j = i; j < k; j++) acc[row + j] += ai * a[o + j];
    }
  }
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      const v = acc[i * k + j] + (i === j ? reg : 0);
      g[i * k + j] = v;
      g[j * k + i] = v;
    }
  }
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, k: number): number {
  let s = 0;
  for (let f = 0; f < k; f++) s += a[ao + f] * b[bo + f];
  return s;
}

/** In-place Cholesky of the k×k matrix at m[0..k²) (lower triangle). False if not positive definite. */
function cholesky(m: Float32Array, k: number): boolean {
  for (let j = 0; j < k; j++) {
    let d = m[j * k + j];
    for (let p = 0; p < j; p++) d -= m[j * k + p] * m[j * k + p];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    m[j * k + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < k; i++) {
      let s = m[i * k + j];
      for (let p = 0; p < j; p++) s -= m[i * k + p] * m[j * k + p];
      m[i * k + j] = s * inv;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b in place (b at v[vo..vo+k)), L in the lower triangle of m. */
function choleskySolve(m: Float32Array, k: number, v: Float32Array, vo: number): void {
  for (let i = 0; i < k; i++) {
    let s = v[vo + i];
    for (let p = 0; p < i; p++) s -= m[i * k + p] * v[vo + p];
    v[vo + i] = s / m[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = v[vo + i];
    for (let p = i + 1; p < k; p++) s -= m[p * k + i] * v[vo + p];
    v[vo + i] = s / m[i * k + i];
  }
}

/** m[0..k²) = G + Σ (c − 1) y yᵀ over the stored pairs [lo, hi) (lower triangle; as the WASM kernels). */
function buildNormal(
  m: Float32Array, G: Float32Array, Y: Float32Array, indices: Int32Array, conf: Float32Array, lo: number, hi: number, k: number,
): void {
  m.set(G.subarray(0, k * k), 0);
  for (let n = lo; n < hi; n++) {
    const yo = indices[n] * k;
    const w = conf[n] - 1;
    if (w === 0) continue;
    for (let i = 0; i < k; i++) {
      const wyi = w * Y[yo + i];
      const row = i * k;
      for (let j = 0; j <= i; j++) m[row + j] += wyi * Y[yo + j];
    }
  }
}

function solveRows(args: SolveArgs): number {
  const { csr, k, start, end, solver, cgSteps } = args;
  const indptr = csr.indptr.view;
  const indices = csr.indices.view;
  const conf = csr.conf.view;
  const X = args.X.view;
  const Y = args.Y.view;
  const G = args.gram.view;
  const s = args.scratch.view;
  // scratch layout: [A: k²][b or r: k][p: k][Ap: k]
  const kk = k * k;
  const R = kk;
  const P = kk + k;
  const AP = kk + 2 * k;
  let failed = 0;
  for (let u = start; u < end; u++) {
    const lo = indptr[u];
    const hi = indptr[u + 1];
    const xo = u * k;
    if (lo === hi) {
      for (let f = 0; f < k; f++) X[xo + f] = 0;
      continue;
    }
    if (solver === SOLVER_CHOLESKY) {
      buildNormal(s, G, Y, indices, conf, lo, hi, k);
      for (let f = 0; f < k; f++) s[R + f] = 0;
      for (let n = lo; n < hi; n++) {
        const yo = indices[n] * k;
        const c = conf[n];
        for (let f = 0; f < k; f++) s[R + f] += c * Y[yo + f];
      }
      if (!cholesky(s, k)) {
        failed++;
        continue;
      }
      choleskySolve(s, k, s, R);
      for (let f = 0; f < k; f++) X[xo + f] = s[R + f];
    } else {
      // r = b − A x
      for (let i = 0; i < k; i++) s[R + i] = -dot(G, i * k, X, xo, k);
      for (let n = lo; n < hi; n++) {
        const yo = indices[n] * k;
        const c = conf[n];
        const coef = c - (c - 1) * dot(Y, yo, X, xo, k);
        for (let f = 0; f < k; f++) s[R + f] += coef * Y[yo + f];
      }
      let rsold = 0;
      for (let f = 0; f < k; f++) {
        s[P + f] = s[R + f];
        rsold += s[R + f] * s[R + f];
      }
      if (rsold < 1e-20) continue;
      for (let it = 0; it < cgSteps; it++) {
        for (let i = 0; i < k; i++) s[AP + i] = dot(G, i * k, s, P, k);
        for (let n = lo; n < hi; n++) {
          const yo = indices[n] * k;
          const w = (conf[n] - 1) * dot(Y, yo, s, P, k);
          for (let f = 0; f < k; f++) s[AP + f] += w * Y[yo + f];
        }
        const alpha = rsold / dot(s, P, s, AP, k);
        let rsnew = 0;
        for (let f = 0; f < k; f++) {
          X[xo + f] += alpha * s[P + f];
          const r = (s[R + f] -= alpha * s[AP + f]);
          rsnew += r * r;
        }
        if (rsnew < 1e-20) break;
        const beta = rsnew / rsold;
        for (let f = 0; f < k; f++) s[P + f] = s[R + f] + beta * s[P + f];
        rsold = rsnew;
      }
    }
  }
  return failed;
}

function lossRows(csr: CsrBufs, Xb: F32Buf, Yb: F32Buf, k: number, start: number, end: number): number {
  const indptr = csr.indptr.view;
  const indices = csr.indices.view;
  const conf = csr.conf.view;
  const X = Xb.view;
  const Y = Yb.view;
  let total = 0;
  for (let u = start; u < end; u++) {
    const xo = u * k;
    for (let n = indptr[u]; n < indptr[u + 1]; n++) {
      const sc = dot(X, xo, Y, indices[n] * k, k);
      const e = 1 - sc;
      total += conf[n] * e * e - sc * sc;
    }
  }
  return total;
}

function residualRows(
  csr: CsrBufs, Xb: F32Buf, Yb: F32Buf, Gb: F32Buf, k: number, start: number, end: number,
  out: Float64Array, save?: { r: F32Buf; b: F32Buf },
): void {
  const R = save && f64View(save.r);
  const B = save && f64View(save.b);
  const indptr = csr.indptr.view;
  const indices = csr.indices.view;
  const conf = csr.conf.view;
  const X = Xb.view;
  const Y = Yb.view;
  const G = Gb.view;
  const g = new Float64Array(k);
  const b = new Float64Array(k);
  let rr = 0;
  let bb = 0;
  for (let u = start; u < end; u++) {
    const xo = u * k;
    for (let i = 0; i < k; i++) {
      g[i] = dot(G, i * k, X, xo, k);
      b[i] = 0;
    }
    for (let n = indptr[u]; n < indptr[u + 1]; n++) {
      const yo = indices[n] * k;
      const c = conf[n];
      const w = (c - 1) * dot(Y, yo, X, xo, k);
      for (let f = 0; f < k; f++) {
        g[f] += w * Y[yo + f];
        b[f] += c * Y[yo + f];
      }
    }
    for (let f = 0; f < k; f++) {
      const r = g[f] - b[f];
      rr += r * r;
      bb += b[f] * b[f];
    }
    if (R && B) {
      for (let f = 0; f < k; f++) {
        R[xo + f] = g[f] - b[f];
        B[xo + f] = b[f];
      }
    }
  }
  out[0] += rr;
  out[1] += bb;
}

function scoreRows(
  Qb: F32Buf, rows: I32Buf, count: number, Yb: F32Buf, n: number, k: number, out: F32Buf,
): void {
  const Q = Qb.view;
  const Y = Yb.view;
  const o = out.view;
  const r = rows.view;
  for (let b = 0; b < count; b++) {
    const qo = r[b] * k;
    const oo = b * n;
    for (let j = 0; j < n; j++) o[oo + j] = dot(Q, qo, Y, j * k, k);
  }
}

function countBelow(sb: F32Buf, offset: number, n: number, v: number): number {
  return countBelowIn(sb.view, offset, n, Math.fround(v));
}

/** #{j: s[offset + j] < v} + ½ #{j: s[offset + j] = v} over n scores (the twin of countBelow). */
export function countBelowIn(s: Float32Array, offset: number, n: number, v: number): number {
  let below = 0;
  let ties = 0;
  for (let j = offset; j < offset + n; j++) {
    if (s[j] < v) below++;
    else if (s[j] === v) ties++;
  }
  return below + 0.5 * ties;
}

/**
 * X (k × k at x[xo..)) = (L Lᵀ)⁻¹ = Zᵀ Z with Z = L⁻¹ (the solves for all identity columns at
 * once), L in the lower triangle of m, overwritten by Z. Only the lower triangle of X is computed;
 * the upper one is its mirror, so X is exactly symmetric.
 */
function inverseFromCholesky(m: Float32Array, k: number, x: Float32Array, xo: number): void {
  // Z_iq = −Σ_{q ≤ p < i} L_ip Z_pq / L_ii (q < i), Z_ii = 1 / L_ii; ascending q only overwrites
  // L_iq once it is no longer needed
  for (let i = 0; i < k; i++) {
    const ri = i * k;
    const inv = 1 / m[ri + i];
    for (let q = 0; q < i; q++) {
      let s = 0;
      for (let p = q; p < i; p++) s -= m[ri + p] * m[p * k + q];
      m[ri + q] = s * inv;
    }
    m[ri + i] = inv;
  }
  // X_ij = Σ_{p ≥ i} Z_pi Z_pj (j ≤ i)
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = i; p < k; p++) s += m[p * k + i] * m[p * k + j];
      x[xo + i * k + j] = s;
      x[xo + j * k + i] = s;
    }
  }
}

function invertRows(args: InvertArgs): number {
  const { csr, k, start, end } = args;
  const indptr = csr.indptr.view;
  const indices = csr.indices.view;
  const conf = csr.conf.view;
  const Y = args.Y.view;
  const G = args.gram.view;
  const out = args.out.view;
  const s = args.scratch.view;
  const kk = k * k;
  let failed = 0;
  // empty rows: 0 = not met yet, 1 = G⁻¹ is at emptyBlock, −1 = G is not positive definite
  let emptyState = 0;
  let emptyBlock = 0;
  for (let u = start; u < end; u++) {
    const lo = indptr[u];
    const hi = indptr[u + 1];
    const blk = (u - start) * kk;
    if (lo === hi) {
      if (emptyState === 1) {
        out.copyWithin(blk, emptyBlock, emptyBlock + kk);
        continue;
      }
      if (emptyState === -1) {
        failed++;
        continue;
      }
    }
    buildNormal(s, G, Y, indices, conf, lo, hi, k);
    if (!cholesky(s, k)) {
      failed++;
      if (lo === hi) emptyState = -1;
      continue;
    }
    inverseFromCholesky(s, k, out, blk);
    if (lo === hi) {
      emptyState = 1;
      emptyBlock = blk;
    }
  }
  return failed;
}

/** out[oo..oo+k) = M b, M the k × k block of a at ao (read by rows). */
function symvAt(a: Float32Array, ao: number, k: number, b: Float32Array, bo: number, out: Float32Array, oo: number): void {
  for (let i = 0; i < k; i++) out[oo + i] = dot(a, ao + i * k, b, bo, k);
}

function symv(Ainv: F32Buf, offset: number, k: number, b: F32Buf, bOffset: number, out: F32Buf, outOffset: number): void {
  symvAt(Ainv.view, offset, k, b.view, bOffset, out.view, outOffset);
}

function shermanMorrison(
  Ainv: F32Buf, offset: number, k: number, vb: F32Buf, vOffset: number, w: number, scratch: F32Buf,
): boolean {
  const a = Ainv.view;
  const v = vb.view;
  const z = scratch.view;
  symvAt(a, offset, k, v, vOffset, z, 0);
  const wq = w * dot(v, vOffset, z, 0, k);
  const d = 1 + wq;
  if (!(d > SM_TOL * (1 + Math.abs(wq)))) return false;
  const s = w / d;
  for (let i = 0; i < k; i++) {
    const zi = z[i];
    const r = offset + i * k;
    for (let j = 0; j < k; j++) a[r + j] -= s * (zi * z[j]);
  }
  return true;
}

export function createJsKernels(): Kernels {
  return {
    name: 'js',
    threads: 1,
    threadNote: '',
    f32: (n) => new JsF32(n),
    i32: (n) => new JsI32(n),
    free: () => {},
    close: () => {},
    gram,
    solveRows,
    lossRows,
    residualRows,
    scoreRows,
    countBelow,
    invertRows,
    shermanMorrison,
    symv,
  };
}
