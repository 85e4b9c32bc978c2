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
  memory.copy(A, g, <usize>k * kb);
  const ip0 = indices + (<usize>lo << 2);
  const cp0 = conf + (<usize>lo << 2);
  const cnt = hi - lo;
  const k4 = k & ~3;
  for (let i = 0; i < k4; i += 4) {
    let j = 0;
    for (; j + 8 <= k4 && j <= i; j += 8) wtile8(A, kb, i, j, y, ip0, cp0, cnt);
    if (j <= i) wtile4(A, kb, i, j, y, ip0, cp0, cnt);
  }
  // rows i >= k4 (k % 4 != 0): scalar, columns j <= i
  for (let i = k4; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s: f32 = 0;
      let ip = ip0;
      let cp = cp0;
      for (let t = 0; t < cnt; t++) {
        const yr = y + <usize>load<i32>(ip) * kb;
        s += (load<f32>(cp) - 1) * load<f32>(yr + (<usize>i << 2)) * load<f32>(yr + (<usize>j << 2));
        ip += 4;
        cp += 4;
      }
      const o = A + <usize>i * kb + (<usize>j << 2);
      store<f32>(o, load<f32>(o) + s);
    }
  }
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

/** A[i..i+4)[j..j+8) += Σ_t (c_t − 1) y_t[i..i+4)ᵀ y_t[j..j+8) over the cnt items at ip/cp. */
// @ts-ignore: decorator
@inline function wtile8(A: usize, kb: usize, i: i32, j: i32, y: usize, ip: usize, cp: usize, cnt: i32): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  const io = <usize>i << 2;
  const jo = <usize>j << 2;
  const ep = ip + (<usize>cnt << 2);
  while (ip < ep) {
    const yr = y + <usize>load<i32>(ip) * kb;
    const w = f32x4.splat(load<f32>(cp) - 1);
    const yj = yr + jo;
    const b0 = f32x4.mul(w, v128.load(yj));
    const b1 = f32x4.mul(w, v128.load(yj, 16));
    const yi = yr + io;
    const e0 = v128.load32_splat(yi);
    const e1 = v128.load32_splat(yi, 4);
    const e2 = v128.load32_splat(yi, 8);
    const e3 = v128.load32_splat(yi, 12);
    c00 = f32x4.add(c00, f32x4.mul(e0, b0));
    c01 = f32x4.add(c01, f32x4.mul(e0, b1));
    c10 = f32x4.add(c10, f32x4.mul(e1, b0));
    c11 = f32x4.add(c11, f32x4.mul(e1, b1));
    c20 = f32x4.add(c20, f32x4.mul(e2, b0));
    c21 = f32x4.add(c21, f32x4.mul(e2, b1));
    c30 = f32x4.add(c30, f32x4.mul(e3, b0));
    c31 = f32x4.add(c31, f32x4.mul(e3, b1));
    ip += 4;
    cp += 4;
  }
  let o = A + <usize>i * kb + jo;
  v128.store(o, f32x4.add(v128.load(o), c00));
  v128.store(o, f32x4.add(v128.load(o, 16), c01), 16);
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c10));
  v128.store(o, f32x4.add(v128.load(o, 16), c11), 16);
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c20));
  v128.store(o, f32x4.add(v128.load(o, 16), c21), 16);
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c30));
  v128.store(o, f32x4.add(v128.load(o, 16), c31), 16);
}

/** A[i..i+4)[j..j+4) += Σ_t (c_t − 1) y_t[i..i+4)ᵀ y_t[j..j+4). */
// @ts-ignore: decorator
@inline function wtile4(A: usize, kb: usize, i: i32, j: i32, y: usize, ip: usize, cp: usize, cnt: i32): void {
  let c0 = f32x4.splat(0);
  let c1 = c0;
  let c2 = c0;
  let c3 = c0;
  const io = <usize>i << 2;
  const jo = <usize>j << 2;
  const ep = ip + (<usize>cnt << 2);
  while (ip < ep) {
    const yr = y + <usize>load<i32>(ip) * kb;
    const b0 = f32x4.mul(f32x4.splat(load<f32>(cp) - 1), v128.load(yr + jo));
    const yi = yr + io;
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(yi), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(yi, 4), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(yi, 8), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(yi, 12), b0));
    ip += 4;
    cp += 4;
  }
  let o = A + <usize>i * kb + jo;
  v128.store(o, f32x4.add(v128.load(o), c0));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c1));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c2));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c3));
}
