// Loss and residual over rows [start, end) of a CSR, accumulated in float64.
import { axpy, axpy4, dot, dot4 } from './simd';

/** Σ over stored pairs of c(1 − s)² − s², s = x_u·y_i (dots in f32 SIMD, four pairs at a time). */
export function lossRows(
  indptr: usize, indices: usize, conf: usize, x: usize, y: usize, k: i32, start: i32, end: i32,
): f64 {
  const kb = <usize>k << 2;
  let total: f64 = 0;
  for (let u = start; u < end; u++) {
    const ipr = indptr + (<usize>u << 2);
    const lo = load<i32>(ipr);
    const hi = load<i32>(ipr, 4);
    const xr = x + <usize>u * kb;
    let n = lo;
    let ip = indices + (<usize>lo << 2);
    let cp = conf + (<usize>lo << 2);
    for (; n + 4 <= hi; n += 4) {
      const d = dot4(
        xr, y + <usize>load<i32>(ip) * kb, y + <usize>load<i32>(ip, 4) * kb,
        y + <usize>load<i32>(ip, 8) * kb, y + <usize>load<i32>(ip, 12) * kb, k,
      );
      total += term(load<f32>(cp), f32x4.extract_lane(d, 0));
      total += term(load<f32>(cp, 4), f32x4.extract_lane(d, 1));
      total += term(load<f32>(cp, 8), f32x4.extract_lane(d, 2));
      total += term(load<f32>(cp, 12), f32x4.extract_lane(d, 3));
      ip += 16;
      cp += 16;
    }
    for (; n < hi; n++) {
      total += term(load<f32>(cp), dot(xr, y + <usize>load<i32>(ip) * kb, k));
      ip += 4;
      cp += 4;
    }
  }
  return total;
}

// @ts-ignore: decorator
@inline function term(c: f32, s32: f32): f64 {
  const s = <f64>s32;
  const e = 1 - s;
  return <f64>c * e * e - s * s;
}

/**
 * out[0] += Σ‖A_u x_u − b_u‖², out[1] += Σ‖b_u‖² over rows [start, end). The residual is a small
 * difference of large terms, so it is formed in float64 (products of floats are exact there):
 *   A x − b = G x + Σ ((c − 1)(y·x) − c) y,
 * with G and x converted to float64 once (G per call, x per row) and rated items taken four at a
 * time (their dot products share the loads of x, their updates the loads and stores of the
 * residual). b = Σ c y only scales the result, so it is summed in float32 (relative error ~1e-7).
 * `scratch`: residualScratchBytes(k) of src/kernels/kernels.ts (G, x and the residual in float64, b, four dot products),
 * private to the call, so that threads can share the rows. When `saveR` is not 0, row u's residual
 * A_u x_u − b_u and its b_u are also stored there and at `saveB` (float64, k per row, at row u):
 * forgetting keeps them to update the certificate of a small change without a full evaluation.
 */
export function residualRows(
  indptr: usize, indices: usize, conf: usize, x: usize, y: usize, g: usize,
  k: i32, start: i32, end: i32, out: usize, scratch: usize, saveR: usize, saveB: usize,
): void {
  const kb = <usize>k << 2;
  const kd = <usize>k << 3;
  const GD = scratch;
  const XD = GD + <usize>k * kd;
  const RV = XD + kd;
  const BV = RV + kd;
  const DOTS = BV + kb; // four float64 (an AssemblyScript function returns one value)
  promote(g, GD, k * k);
  let rr: f64 = 0;
  let bb: f64 = 0;
  for (let u = start; u < end; u++) {
    const ipr = indptr + (<usize>u << 2);
    const lo = load<i32>(ipr);
    const hi = load<i32>(ipr, 4);
    promote(x + <usize>u * kb, XD, k);
    denseProduct(GD, XD, RV, k);
    memory.fill(BV, 0, kb);
    let n = lo;
    let ip = indices + (<usize>lo << 2);
    let cp = conf + (<usize>lo << 2);
    for (; n + 4 <= hi; n += 4) {
      const y0 = y + <usize>load<i32>(ip) * kb;
      const y1 = y + <usize>load<i32>(ip, 4) * kb;
      const y2 = y + <usize>load<i32>(ip, 8) * kb;
      const y3 = y + <usize>load<i32>(ip, 12) * kb;
      const cv = v128.load(cp);
      const c0 = <f64>f32x4.extract_lane(cv, 0);
      const c1 = <f64>f32x4.extract_lane(cv, 1);
      const c2 = <f64>f32x4.extract_lane(cv, 2);
      const c3 = <f64>f32x4.extract_lane(cv, 3);
      const s = dot4x64(XD, y0, y1, y2, y3, k, DOTS);
      addScaled4x64(
        RV, y0, y1, y2, y3,
        (c0 - 1) * load<f64>(s) - c0, (c1 - 1) * load<f64>(s, 8) - c1,
        (c2 - 1) * load<f64>(s, 16) - c2, (c3 - 1) * load<f64>(s, 24) - c3, k,
      );
      axpy4(BV, y0, y1, y2, y3, cv, k);
      ip += 16;
      cp += 16;
    }
    for (; n < hi; n++) {
      const yr = y + <usize>load<i32>(ip) * kb;
      const c = <f64>load<f32>(cp);
      addScaled64(RV, yr, (c - 1) * dotx64(XD, yr, k) - c, k);
      axpy(BV, yr, <f32>c, k);
      ip += 4;
      cp += 4;
    }
    for (let f = 0; f < k; f++) {
      const r = load<f64>(RV + (<usize>f << 3));
      const bf = <f64>load<f32>(BV + (<usize>f << 2));
      rr += r * r;
      bb += bf * bf;
    }
    if (saveR) {
      memory.copy(saveR + <usize>u * kd, RV, kd);
      promote(BV, saveB + <usize>u * kd, k);
    }
  }
  store<f64>(out, load<f64>(out) + rr);
  store<f64>(out, load<f64>(out, 8) + bb, 8);
}

/** d[0..n) (float64) = s[0..n) (float32). */
function promote(s: usize, d: usize, n: i32): void {
  const e4 = s + ((<usize>n >> 2) << 4);
  while (s < e4) {
    const v = v128.load(s);
    v128.store(d, f64x2.promote_low_f32x4(v));
    v128.store(d, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), 16);
    s += 16;
    d += 32;
  }
  for (let t = n & 3; t > 0; t--) {
    store<f64>(d, <f64>load<f32>(s));
    s += 4;
    d += 8;
  }
}

/** out = G x, all float64 (k × k, k, k): four rows of G at a time share the loads of x. */
function denseProduct(gd: usize, xd: usize, out: usize, k: i32): void {
  const kd = <usize>k << 3;
  const k2 = <usize>(k & ~1) << 3;
  let f = 0;
  let gr = gd;
  for (; f + 4 <= k; f += 4) {
    let a0 = f64x2.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    for (let j: usize = 0; j < k2; j += 16) {
      const xv = v128.load(xd + j);
      a0 = f64x2.add(a0, f64x2.mul(v128.load(gr + j), xv));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(gr + kd + j), xv));
      a2 = f64x2.add(a2, f64x2.mul(v128.load(gr + 2 * kd + j), xv));
      a3 = f64x2.add(a3, f64x2.mul(v128.load(gr + 3 * kd + j), xv));
    }
    let s0 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
    let s1 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
    let s2 = f64x2.extract_lane(a2, 0) + f64x2.extract_lane(a2, 1);
    let s3 = f64x2.extract_lane(a3, 0) + f64x2.extract_lane(a3, 1);
    if (k & 1) {
      const xl = load<f64>(xd + k2);
      s0 += load<f64>(gr + k2) * xl;
      s1 += load<f64>(gr + kd + k2) * xl;
      s2 += load<f64>(gr + 2 * kd + k2) * xl;
      s3 += load<f64>(gr + 3 * kd + k2) * xl;
    }
    store<f64>(out + (<usize>f << 3), s0);
    store<f64>(out + (<usize>f << 3), s1, 8);
    store<f64>(out + (<usize>f << 3), s2, 16);
    store<f64>(out + (<usize>f << 3), s3, 24);
    gr += kd << 2;
  }
  for (; f < k; f++) {
    let s: f64 = 0;
    for (let j = 0; j < k; j++) s += load<f64>(gr + (<usize>j << 3)) * load<f64>(xd + (<usize>j << 3));
    store<f64>(out + (<usize>f << 3), s);
    gr += kd;
  }
}

/** [xd·r0, xd·r1, xd·r2, xd·r3] in float64 (xd float64, rows float32), written to `out`. */
// @ts-ignore: decorator
@inline function dot4x64(xd: usize, r0: usize, r1: usize, r2: usize, r3: usize, n: i32, out: usize): usize {
  let a0 = f64x2.splat(0);
  let b0 = a0;
  let a1 = a0;
  let b1 = a0;
  let a2 = a0;
  let b2 = a0;
  let a3 = a0;
  let b3 = a0;
  const e4 = xd + ((<usize>n >> 2) << 5);
  while (xd < e4) {
    const xl = v128.load(xd);
    const xh = v128.load(xd, 16);
    let v = v128.load(r0);
    a0 = f64x2.add(a0, f64x2.mul(f64x2.promote_low_f32x4(v), xl));
    b0 = f64x2.add(b0, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), xh));
    v = v128.load(r1);
    a1 = f64x2.add(a1, f64x2.mul(f64x2.promote_low_f32x4(v), xl));
    b1 = f64x2.add(b1, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), xh));
    v = v128.load(r2);
    a2 = f64x2.add(a2, f64x2.mul(f64x2.promote_low_f32x4(v), xl));
    b2 = f64x2.add(b2, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), xh));
    v = v128.load(r3);
    a3 = f64x2.add(a3, f64x2.mul(f64x2.promote_low_f32x4(v), xl));
    b3 = f64x2.add(b3, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), xh));
    xd += 32;
    r0 += 16;
    r1 += 16;
    r2 += 16;
    r3 += 16;
  }
  a0 = f64x2.add(a0, b0);
  a1 = f64x2.add(a1, b1);
  a2 = f64x2.add(a2, b2);
  a3 = f64x2.add(a3, b3);
  let s0 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  let s1 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
  let s2 = f64x2.extract_lane(a2, 0) + f64x2.extract_lane(a2, 1);
  let s3 = f64x2.extract_lane(a3, 0) + f64x2.extract_lane(a3, 1);
  for (let t = n & 3; t > 0; t--) {
    const xv = load<f64>(xd);
    s0 += <f64>load<f32>(r0) * xv;
    s1 += <f64>load<f32>(r1) * xv;
    s2 += <f64>load<f32>(r2) * xv;
    s3 += <f64>load<f32>(r3) * xv;
    xd += 8;
    r0 += 4;
    r1 += 4;
    r2 += 4;
    r3 += 4;
  }
  store<f64>(out, s0);
  store<f64>(out, s1, 8);
  store<f64>(out, s2, 16);
  store<f64>(out, s3, 24);
  return out;
}

/** xd·r in float64 (xd float64, r float32). */
function dotx64(xd: usize, r: usize, n: i32): f64 {
  let a = f64x2.splat(0);
  let b = a;
  const e4 = xd + ((<usize>n >> 2) << 5);
  while (xd < e4) {
    const v = v128.load(r);
    a = f64x2.add(a, f64x2.mul(f64x2.promote_low_f32x4(v), v128.load(xd)));
    b = f64x2.add(b, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), v128.load(xd, 16)));
    xd += 32;
    r += 16;
  }
  a = f64x2.add(a, b);
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (let t = n & 3; t > 0; t--) {
    s += <f64>load<f32>(r) * load<f64>(xd);
    xd += 8;
    r += 4;
  }
  return s;
}

/** d[0..n) (float64) += w0·r0 + w1·r1 + w2·r2 + w3·r3 (rows float32): d read and written once. */
// @ts-ignore: decorator
@inline function addScaled4x64(
  d: usize, r0: usize, r1: usize, r2: usize, r3: usize, w0: f64, w1: f64, w2: f64, w3: f64, n: i32,
): void {
  const v0 = f64x2.splat(w0);
  const v1 = f64x2.splat(w1);
  const v2 = f64x2.splat(w2);
  const v3 = f64x2.splat(w3);
  const e4 = d + ((<usize>n >> 2) << 5);
  while (d < e4) {
    const q0 = v128.load(r0);
    const q1 = v128.load(r1);
    const q2 = v128.load(r2);
    const q3 = v128.load(r3);
    v128.store(d, f64x2.add(v128.load(d), f64x2.add(
      f64x2.add(f64x2.mul(v0, f64x2.promote_low_f32x4(q0)), f64x2.mul(v1, f64x2.promote_low_f32x4(q1))),
      f64x2.add(f64x2.mul(v2, f64x2.promote_low_f32x4(q2)), f64x2.mul(v3, f64x2.promote_low_f32x4(q3))),
    )));
    v128.store(d, f64x2.add(v128.load(d, 16), f64x2.add(
      f64x2.add(
        f64x2.mul(v0, f64x2.promote_low_f32x4(v128.shuffle<f32>(q0, q0, 2, 3, 2, 3))),
        f64x2.mul(v1, f64x2.promote_low_f32x4(v128.shuffle<f32>(q1, q1, 2, 3, 2, 3))),
      ),
      f64x2.add(
        f64x2.mul(v2, f64x2.promote_low_f32x4(v128.shuffle<f32>(q2, q2, 2, 3, 2, 3))),
        f64x2.mul(v3, f64x2.promote_low_f32x4(v128.shuffle<f32>(q3, q3, 2, 3, 2, 3))),
      ),
    )), 16);
    d += 32;
    r0 += 16;
    r1 += 16;
    r2 += 16;
    r3 += 16;
  }
  for (let t = n & 3; t > 0; t--) {
    store<f64>(d, load<f64>(d) + ((w0 * <f64>load<f32>(r0) + w1 * <f64>load<f32>(r1)) + (w2 * <f64>load<f32>(r2) + w3 * <f64>load<f32>(r3))));
    d += 8;
    r0 += 4;
    r1 += 4;
    r2 += 4;
    r3 += 4;
  }
}

/** d[0..n) (float64) += w·r[0..n) (float32). */
function addScaled64(d: usize, r: usize, w: f64, n: i32): void {
  const wv = f64x2.splat(w);
  const e4 = d + ((<usize>n >> 2) << 5);
  while (d < e4) {
    const q = v128.load(r);
    v128.store(d, f64x2.add(v128.load(d), f64x2.mul(wv, f64x2.promote_low_f32x4(q))));
    v128.store(d, f64x2.add(v128.load(d, 16), f64x2.mul(wv, f64x2.promote_low_f32x4(v128.shuffle<f32>(q, q, 2, 3, 2, 3)))), 16);
    d += 32;
    r += 16;
  }
  for (let t = n & 3; t > 0; t--) {
    store<f64>(d, load<f64>(d) + w * <f64>load<f32>(r));
    d += 8;
    r += 4;
  }
}
