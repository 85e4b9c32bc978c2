// Row solves of implicit ALS: for each row u in [start, end) of the CSR,
//   A_u = G + Σ (c − 1) y yᵀ,  b_u = Σ c y   (G = YᵀY + λI, sums over the row's stored pairs)
// and x_u = A_u⁻¹ b_u exactly (Cholesky) or by cgSteps conjugate-gradient steps warm-started from
// x_u. Same algorithm as the JS twin (src/kernels/js.ts): empty row → x = 0; CG stops early when
// ‖r‖² < 1e-20 (before the first step, or after any step); a row whose A_u is not positive definite
// (Cholesky) is left unchanged and counted. Each row reads only its own data and the scratch.
//
// CG: rated items are taken four at a time: their four dot products share the loads of the vector,
// their sums are reduced together, and the accumulated vector is read and written once per four.
// The row loop is compiled once per factor count 32, 64 and 128 (constant loop bounds, no tails)
// and once for any other k. Cholesky: assembly/normal.ts builds A_u, assembly/cholesky.ts factors
// and solves it.
import { axpy, axpy4, axpy4x, dot, dot4, hsum } from './simd';
import { cholesky, choleskySolve } from './cholesky';
import { buildNormal } from './normal';

const SOLVER_CHOLESKY = 0;
const TINY: f32 = 1e-20;

export function solveRows(
  indptr: usize, indices: usize, conf: usize, x: usize, y: usize, g: usize,
  k: i32, start: i32, end: i32, solver: i32, cgSteps: i32, scratch: usize,
): i32 {
  if (solver == SOLVER_CHOLESKY) return choleskyRows(indptr, indices, conf, x, y, g, k, start, end, scratch);
  if (k == 64) cgRows64(indptr, indices, conf, x, y, g, start, end, cgSteps, scratch);
  else if (k == 32) cgRows32(indptr, indices, conf, x, y, g, start, end, cgSteps, scratch);
  else if (k == 128) cgRows128(indptr, indices, conf, x, y, g, start, end, cgSteps, scratch);
  else cgRowsAny(indptr, indices, conf, x, y, g, k, start, end, cgSteps, scratch);
  return 0;
}

// One copy of the CG row loop per factor count (k a constant inside), and one for any k.
function cgRows32(
  indptr: usize, indices: usize, conf: usize, x: usize, y: usize, g: usize, start: i32, end: i32,
  steps: i32, scratch: usize,
): void {
  cgRows(indptr, indices, conf, x, y, g, 32, start, end, steps, scratch);
}
function cgRows64(
  indptr: usize, indices: usize, conf: usize, x: usize, y: usize, g: usize, start: i32, end: i32,
  steps: i32, scratch: usize,
): void {
  cgRows(indptr, indices, conf, x, y, g, 64, start, end, steps, scratch);
}
function cgRows128(
  indptr: usize, indices: usize, conf: usize, x: usize, y: usize, g: usize, start: i32, end: i32,
  steps: i32, scratch: usize,
): void {
  cgRows(indptr, indices, conf, x, y, g, 128, start, end, steps, scratch);
}
function cgRowsAny(
  indptr: usize, indices: usize, conf: usize, x: usize, y: usize, g: usize, k: i32, start: i32,
  end: i32, steps: i32, scratch: usize,
): void {
  cgRows(indptr, indices, conf, x, y, g, k, start, end, steps, scratch);
}

// @ts-ignore: decorator
@inline function cgRows(
  indptr: usize, indices: usize, conf: usize, x: usize, y: usize, g: usize, k: i32,
  start: i32, end: i32, steps: i32, scratch: usize,
): void {
  const kb = <usize>k << 2;
  for (let u = start; u < end; u++) {
    const ip = indptr + (<usize>u << 2);
    const lo = load<i32>(ip);
    const hi = load<i32>(ip, 4);
    const xr = x + <usize>u * kb;
    if (lo == hi) memory.fill(xr, 0, kb);
    else cgRow(indices, conf, lo, hi, xr, y, g, k, steps, scratch);
  }
}

function choleskyRows(
  indptr: usize, indices: usize, conf: usize, x: usize, y: usize, g: usize,
  k: i32, start: i32, end: i32, scratch: usize,
): i32 {
  const kb = <usize>k << 2;
  let failed = 0;
  for (let u = start; u < end; u++) {
    const ip = indptr + (<usize>u << 2);
    const lo = load<i32>(ip);
    const hi = load<i32>(ip, 4);
    const xr = x + <usize>u * kb;
    if (lo == hi) memory.fill(xr, 0, kb);
    else if (!choleskyRow(indices, conf, lo, hi, xr, y, g, k, scratch)) failed++;
  }
  return failed;
}

/**
 * out = A v (resid false) or out = b − A v (resid true), A and b of the row [lo, hi).
 * Dense part G v by four rows of G at a time (four accumulators sharing the loads of v). Sparse
 * part software-pipelined: the dot products of the next four items are issued before the update
 * with the current four (whose weights are known), so the latency of one group's reduction
 * overlaps the other's arithmetic.
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
  if (n + 4 <= hi) {
    let y0 = y + <usize>load<i32>(ip) * kb;
    let y1 = y + <usize>load<i32>(ip, 4) * kb;
    let y2 = y + <usize>load<i32>(ip, 8) * kb;
    let y3 = y + <usize>load<i32>(ip, 12) * kb;
    let w = weights(resid, v128.load(cp), dot4(v, y0, y1, y2, y3, k), one);
    ip += 16;
    cp += 16;
    n += 4;
    for (; n + 4 <= hi; n += 4) {
      const z0 = y + <usize>load<i32>(ip) * kb;
      const z1 = y + <usize>load<i32>(ip, 4) * kb;
      const z2 = y + <usize>load<i32>(ip, 8) * kb;
      const z3 = y + <usize>load<i32>(ip, 12) * kb;
      const d = dot4(v, z0, z1, z2, z3, k);
      axpy4x(out, y0, y1, y2, y3, w, k);
      w = weights(resid, v128.load(cp), d, one);
      y0 = z0;
      y1 = z1;
      y2 = z2;
      y3 = z3;
      ip += 16;
      cp += 16;
    }
    axpy4x(out, y0, y1, y2, y3, w, k);
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

/** A v: (c − 1)(y·v) per item; b − A v: c − (c − 1)(y·v). */
// @ts-ignore: decorator
@inline function weights(resid: bool, c: v128, d: v128, one: v128): v128 {
  const cm1 = f32x4.sub(c, one);
  return resid ? f32x4.sub(c, f32x4.mul(cm1, d)) : f32x4.mul(cm1, d);
}

/** cgSteps CG steps on row x (scratch: r, p, Ap, k floats each). */
// @ts-ignore: decorator
@inline function cgRow(
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
  const k4 = <usize>(k & ~3) << 2;
  // no step at all when ‖r‖² < TINY already (x stays as it is)
  for (let it = rsold < TINY ? steps : 0; it < steps; it++) {
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
 * Exact solve of row x (scratch: A, k² floats, then 4k + 4 floats that the build and the
 * factorisation use as temporary space and that hold b = Σ c y afterwards). False, x untouched, if
 * A is not positive definite.
 */
function choleskyRow(
  indices: usize, conf: usize, lo: i32, hi: i32, x: usize, y: usize, g: usize, k: i32,
  scratch: usize,
): bool {
  const kb = <usize>k << 2;
  const A = scratch;
  const b = A + <usize>k * kb;
  buildNormal(indices, conf, lo, hi, y, g, k, A);
  if (!cholesky(A, k)) return false;
  // b = Σ c y
  memory.fill(b, 0, kb);
  let n = lo;
  let ip = indices + (<usize>lo << 2);
  let cp = conf + (<usize>lo << 2);
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
  choleskySolve(A, k, b);
  memory.copy(x, b, kb);
  return true;
}
