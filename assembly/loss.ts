// Loss and residual over rows [start, end) of a CSR, accumulated in float64.
import { dot, dot4, dot64 } from './simd';

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
 * out[0] += Σ‖A_u x_u − b_u‖², out[1] += Σ‖b_u‖² over rows [start, end), all in float64 like the JS
 * twin (the residual of a solved row is a small difference of large terms). `scratch`: 2k float64
 * (g = A x and b of one row), private to the call, so that threads can share the rows.
 */
export function residualRows(
  indptr: usize, indices: usize, conf: usize, x: usize, y: usize, g: usize,
  k: i32, start: i32, end: i32, out: usize, scratch: usize,
): void {
  const kb = <usize>k << 2;
  const GV = scratch;
  const BV = scratch + (<usize>k << 3);
  let rr: f64 = 0;
  let bb: f64 = 0;
  for (let u = start; u < end; u++) {
    const ipr = indptr + (<usize>u << 2);
    const lo = load<i32>(ipr);
    const hi = load<i32>(ipr, 4);
    const xr = x + <usize>u * kb;
    let gr = g;
    for (let f = 0; f < k; f++) {
      store<f64>(GV + (<usize>f << 3), dot64(gr, xr, k));
      store<f64>(BV + (<usize>f << 3), 0);
      gr += kb;
    }
    let ip = indices + (<usize>lo << 2);
    let cp = conf + (<usize>lo << 2);
    for (let n = lo; n < hi; n++) {
      const yr = y + <usize>load<i32>(ip) * kb;
      const c = <f64>load<f32>(cp);
      const w = (c - 1) * dot64(yr, xr, k);
      addScaled64(GV, BV, yr, w, c, k);
      ip += 4;
      cp += 4;
    }
    for (let f = 0; f < k; f++) {
      const bf = load<f64>(BV + (<usize>f << 3));
      const r = load<f64>(GV + (<usize>f << 3)) - bf;
      rr += r * r;
      bb += bf * bf;
    }
  }
  store<f64>(out, load<f64>(out) + rr);
  store<f64>(out, load<f64>(out, 8) + bb, 8);
}

/** gp[0..n) += w·yr[0..n), bp[0..n) += c·yr[0..n) (yr float32, gp/bp float64). */
// @ts-ignore: decorator
@inline function addScaled64(gp: usize, bp: usize, yr: usize, w: f64, c: f64, n: i32): void {
  const wv = f64x2.splat(w);
  const cv = f64x2.splat(c);
  const e4 = yr + ((<usize>n >> 2) << 4);
  while (yr < e4) {
    const v = v128.load(yr);
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    v128.store(gp, f64x2.add(v128.load(gp), f64x2.mul(wv, lo)));
    v128.store(gp, f64x2.add(v128.load(gp, 16), f64x2.mul(wv, hi)), 16);
    v128.store(bp, f64x2.add(v128.load(bp), f64x2.mul(cv, lo)));
    v128.store(bp, f64x2.add(v128.load(bp, 16), f64x2.mul(cv, hi)), 16);
    yr += 16;
    gp += 32;
    bp += 32;
  }
  for (let t = n & 3; t > 0; t--) {
    const v = <f64>load<f32>(yr);
    store<f64>(gp, load<f64>(gp) + w * v);
    store<f64>(bp, load<f64>(bp) + c * v);
    yr += 4;
    gp += 8;
    bp += 8;
  }
}
