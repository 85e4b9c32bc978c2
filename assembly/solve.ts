// Row solves of implicit ALS: for each row u in [start, end) of the CSR,
//   A_u = G + Σ (c − 1) y yᵀ,  b_u = Σ c y   (G = YᵀY + λI, sums over the row's stored pairs)
// and x_u = A_u⁻¹ b_u exactly (Cholesky) or by cgSteps conjugate-gradient steps warm-started from
// x_u. Same algorithm as the JS twin (src/kernels/js.ts): empty row → x = 0; CG stops early when
// ‖r‖² < 1e-20 (before the first step, or after any step); a row whose A_u is not positive definite
// (Cholesky) is left unchanged and counted.
//
// Rated items are taken four at a time: their four dot products share the loads of the vector,
// their sums are reduced together, and the accumulated vector is read and written once per four.
import { axpy, axpy4, dot, dot4, hsum } from './simd';
import { cholesky, choleskySolve } from './cholesky';
import { buildNormal } from './normal';

const SOLVER_CHOLESKY = 0;
const TINY: f32 = 1e-20;

export function solveRows(
  indptr: usize, indices: usize, conf: usize, x: usize, y: usize, g: usize,
  k: i32, start: i32, end: i32, solver: i32, cgSteps: i32, scratch: usize,
): i32 {
  const kb = <usize>k << 2;
  let failed = 0;
  for (let u = start; u < end; u++) {
    const ip = indptr + (<usize>u << 2);
    const lo = load<i32>(ip);
    const hi = load<i32>(ip, 4);
    const xr = x + <usize>u * kb;
    if (lo == hi) {
      memory.fill(xr, 0, kb);
      continue;
    }
    if (solver == SOLVER_CHOLESKY) {
      if (!choleskyRow(indices, conf, lo, hi, xr, y, g, k, scratch)) failed++;
    } else {
      cgRow(indices, conf, lo, hi, xr, y, g, k, cgSteps, scratch);
    }
  }
  return failed;
}

/**
 * out = A v (resid false) or out = b − A v (resid true), A and b of the row [lo, hi).
 * Dense part G v by four rows of G at a time (four accumulators sharing the loads of v).
 */
// @ts-ignore: decorator
@inline function applyRow(
  resid: bool, indices: usize, conf: usize, lo: i32, hi: i32, v: usize, out: usize,
  y: usize, g: usize, k: i32,
): void {
  const kb = <usize>k << 2;
  let gr = g;
  let o = out;
  let i = 0;
  for (; i + 4 <= k; i += 4) {
    const d = dot4(v, gr, gr + kb, gr + 2 * kb, gr + 3 * kb, k);
    v128.store(o, resid ? f32x4.neg(d) : d);
    gr += kb << 2;
    o += 16;
  }
  for (; i < k; i++) {
    const d = dot(gr, v, k);
    store<f32>(o, resid ? -d : d);
    gr += kb;
    o += 4;
  }
  const one = f32x4.splat(1);
  let n = lo;
  let ip = indices + (<usize>lo << 2);
  let cp = conf + (<usize>lo << 2);
  for (; n + 4 <= hi; n += 4) {
    const y0 = y + <usize>load<i32>(ip) * kb;
    const y1 = y + <usize>load<i32>(ip, 4) * kb;
    const y2 = y + <usize>load<i32>(ip, 8) * kb;
    const y3 = y + <usize>load<i32>(ip, 12) * kb;
    const d = dot4(v, y0, y1, y2, y3, k);
    const c = v128.load(cp);
    const cm1 = f32x4.sub(c, one);
    // A v: (c − 1)(y·v) y;  b − A v: (c − (c − 1)(y·v)) y
    const w = resid ? f32x4.sub(c, f32x4.mul(cm1, d)) : f32x4.mul(cm1, d);
    axpy4(out, y0, y1, y2, y3, w, k);
    ip += 16;
    cp += 16;
  }
  for (; n < hi; n++) {
    const yr = y + <usize>load<i32>(ip) * kb;
    const c = load<f32>(cp);
    const d = dot(yr, v, k);
    axpy(out, yr, resid ? c - (c - 1) * d : (c - 1) * d, k);
    ip += 4;
    cp += 4;
  }
}

/** cgSteps CG steps on row x (scratch: r, p, Ap, k floats each). */
function cgRow(
  indices: usize, conf: usize, lo: i32, hi: i32, x: usize, y: usize, g: usize, k: i32,
  steps: i32, scratch: usize,
): void {
  const kb = <usize>k << 2;
  const R = scratch;
  const P = R + kb;
  const AP = P + kb;
  applyRow(true, indices, conf, lo, hi, x, R, y, g, k);
  let rsold = dot(R, R, k);
  memory.copy(P, R, kb);
  if (rsold < TINY) return;
  const k4 = <usize>(k & ~3) << 2;
  for (let it = 0; it < steps; it++) {
    applyRow(false, indices, conf, lo, hi, P, AP, y, g, k);
    const alpha = rsold / dot(P, AP, k);
    // x += α p; r −= α Ap; rsnew = r·r
    const av = f32x4.splat(alpha);
    let acc = f32x4.splat(0);
    let o: usize = 0;
    for (; o < k4; o += 16) {
      v128.store(x + o, f32x4.add(v128.load(x + o), f32x4.mul(av, v128.load(P + o))));
      const r = f32x4.sub(v128.load(R + o), f32x4.mul(av, v128.load(AP + o)));
      v128.store(R + o, r);
      acc = f32x4.add(acc, f32x4.mul(r, r));
    }
    let rsnew = hsum(acc);
    for (; o < kb; o += 4) {
      store<f32>(x + o, load<f32>(x + o) + alpha * load<f32>(P + o));
      const r = load<f32>(R + o) - alpha * load<f32>(AP + o);
      store<f32>(R + o, r);
      rsnew += r * r;
    }
    if (rsnew < TINY) break;
    const beta = rsnew / rsold;
    // p = r + β p
    const bv = f32x4.splat(beta);
    for (o = 0; o < k4; o += 16) {
      v128.store(P + o, f32x4.add(v128.load(R + o), f32x4.mul(bv, v128.load(P + o))));
    }
    for (; o < kb; o += 4) store<f32>(P + o, load<f32>(R + o) + beta * load<f32>(P + o));
    rsold = rsnew;
  }
}

/**
 * Exact solve of row x (scratch: A k² floats, then b k floats). A = G + Σ (c − 1) y yᵀ is built in
 * its lower triangle: register tiles of 4 rows × 8 (or 4) columns accumulate the row's weighted
 * outer products over all its items, then are added to the copy of G (the tiles on the diagonal
 * also write a few harmless values above it). False, x untouched, if A is not positive definite.
 */
function choleskyRow(
  indices: usize, conf: usize, lo: i32, hi: i32, x: usize, y: usize, g: usize, k: i32,
  scratch: usize,
): bool {
  const kb = <usize>k << 2;
  const A = scratch;
  const b = A + <usize>k * kb;
  buildNormal(indices, conf, lo, hi, y, g, k, A);
  const ip0 = indices + (<usize>lo << 2);
  const cp0 = conf + (<usize>lo << 2);
  // b = Σ c y
  memory.fill(b, 0, kb);
  let n = lo;
  let ip = ip0;
  let cp = cp0;
  for (; n + 4 <= hi; n += 4) {
    axpy4(
      b, y + <usize>load<i32>(ip) * kb, y + <usize>load<i32>(ip, 4) * kb,
      y + <usize>load<i32>(ip, 8) * kb, y + <usize>load<i32>(ip, 12) * kb, v128.load(cp), k,
    );
    ip += 16;
    cp += 16;
  }
  for (; n < hi; n++) {
    axpy(b, y + <usize>load<i32>(ip) * kb, load<f32>(cp), k);
    ip += 4;
    cp += 4;
  }
  if (!cholesky(A, k)) return false;
  choleskySolve(A, k, b);
  memory.copy(x, b, kb);
  return true;
}
