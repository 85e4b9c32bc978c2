// Shared SIMD helpers for the kernels. Pointers are byte addresses of float32 data and `n` counts
// floats. Vector loops cover floor(n/4)*4 lanes (two vectors per turn with constant offsets and
// pointer bumps, then one more vector if n % 8 >= 4), and a scalar loop covers the n % 4 tail; when
// n % 4 == 0 the tail costs one predictable branch. Loads need no alignment (rows of k % 4 != 0
// factors start anywhere); with k % 4 == 0 and 16-byte aligned buffers every load is aligned.

/** Sum of the four lanes of v. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  const t = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.add(t, v128.shuffle<f32>(t, t, 1, 0, 3, 2)), 0);
}

/** [Σ s0, Σ s1, Σ s2, Σ s3]: the lane sums of four vectors, reduced together (6 shuffles, 3 adds). */
// @ts-ignore: decorator
@inline export function reduce4(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  // t0 = [s0.0+s0.2, s1.0+s1.2, s0.1+s0.3, s1.1+s1.3], t1 likewise for s2, s3
  const t0 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

/** a[0..n) · b[0..n). */
export function dot(a: usize, b: usize, n: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = s0;
  const e8 = a + ((<usize>n >> 3) << 5);
  while (a < e8) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a), v128.load(b)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a, 16), v128.load(b, 16)));
    a += 32;
    b += 32;
  }
  if (n & 4) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a), v128.load(b)));
    a += 16;
    b += 16;
  }
  let s = hsum(f32x4.add(s0, s1));
  for (let t = n & 3; t > 0; t--) {
    s += load<f32>(a) * load<f32>(b);
    a += 4;
    b += 4;
  }
  return s;
}

/**
 * [v·r0, v·r1, v·r2, v·r3] over n floats: four dot products sharing the loads of v, their sums
 * reduced together.
 */
// @ts-ignore: decorator
@inline export function dot4(v: usize, r0: usize, r1: usize, r2: usize, r3: usize, n: i32): v128 {
  let s0 = f32x4.splat(0);
  let s1 = s0;
  let s2 = s0;
  let s3 = s0;
  const e8 = v + ((<usize>n >> 3) << 5);
  while (v < e8) {
    const a = v128.load(v);
    const b = v128.load(v, 16);
    s0 = f32x4.add(s0, f32x4.add(f32x4.mul(v128.load(r0), a), f32x4.mul(v128.load(r0, 16), b)));
    s1 = f32x4.add(s1, f32x4.add(f32x4.mul(v128.load(r1), a), f32x4.mul(v128.load(r1, 16), b)));
    s2 = f32x4.add(s2, f32x4.add(f32x4.mul(v128.load(r2), a), f32x4.mul(v128.load(r2, 16), b)));
    s3 = f32x4.add(s3, f32x4.add(f32x4.mul(v128.load(r3), a), f32x4.mul(v128.load(r3, 16), b)));
    v += 32;
    r0 += 32;
    r1 += 32;
    r2 += 32;
    r3 += 32;
  }
  if (n & 4) {
    const a = v128.load(v);
    s0 = f32x4.add(s0, f32x4.mul(v128.load(r0), a));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(r1), a));
    s2 = f32x4.add(s2, f32x4.mul(v128.load(r2), a));
    s3 = f32x4.add(s3, f32x4.mul(v128.load(r3), a));
    v += 16;
    r0 += 16;
    r1 += 16;
    r2 += 16;
    r3 += 16;
  }
  let s = reduce4(s0, s1, s2, s3);
  if (n & 3) {
    let t0: f32 = 0;
    let t1: f32 = 0;
    let t2: f32 = 0;
    let t3: f32 = 0;
    for (let t = n & 3; t > 0; t--) {
      const a = load<f32>(v);
      t0 += load<f32>(r0) * a;
      t1 += load<f32>(r1) * a;
      t2 += load<f32>(r2) * a;
      t3 += load<f32>(r3) * a;
      v += 4;
      r0 += 4;
      r1 += 4;
      r2 += 4;
      r3 += 4;
    }
    s = f32x4.add(s, quad(t0, t1, t2, t3));
  }
  return s;
}

/** The vector [a, b, c, d]. */
// @ts-ignore: decorator
@inline export function quad(a: f32, b: f32, c: f32, d: f32): v128 {
  return f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(a), 1, b), 2, c), 3, d);
}

/** d[0..n) += w.0·r0 + w.1·r1 + w.2·r2 + w.3·r3: four rows added, d read and written once. */
// @ts-ignore: decorator
@inline export function axpy4(d: usize, r0: usize, r1: usize, r2: usize, r3: usize, w: v128, n: i32): void {
  const w0 = v128.shuffle<f32>(w, w, 0, 0, 0, 0);
  const w1 = v128.shuffle<f32>(w, w, 1, 1, 1, 1);
  const w2 = v128.shuffle<f32>(w, w, 2, 2, 2, 2);
  const w3 = v128.shuffle<f32>(w, w, 3, 3, 3, 3);
  const e8 = d + ((<usize>n >> 3) << 5);
  while (d < e8) {
    v128.store(d, f32x4.add(v128.load(d), f32x4.add(
      f32x4.add(f32x4.mul(w0, v128.load(r0)), f32x4.mul(w1, v128.load(r1))),
      f32x4.add(f32x4.mul(w2, v128.load(r2)), f32x4.mul(w3, v128.load(r3))),
    )));
    v128.store(d, f32x4.add(v128.load(d, 16), f32x4.add(
      f32x4.add(f32x4.mul(w0, v128.load(r0, 16)), f32x4.mul(w1, v128.load(r1, 16))),
      f32x4.add(f32x4.mul(w2, v128.load(r2, 16)), f32x4.mul(w3, v128.load(r3, 16))),
    )), 16);
    d += 32;
    r0 += 32;
    r1 += 32;
    r2 += 32;
    r3 += 32;
  }
  if (n & 4) {
    v128.store(d, f32x4.add(v128.load(d), f32x4.add(
      f32x4.add(f32x4.mul(w0, v128.load(r0)), f32x4.mul(w1, v128.load(r1))),
      f32x4.add(f32x4.mul(w2, v128.load(r2)), f32x4.mul(w3, v128.load(r3))),
    )));
    d += 16;
    r0 += 16;
    r1 += 16;
    r2 += 16;
    r3 += 16;
  }
  if (n & 3) {
    const a0 = f32x4.extract_lane(w, 0);
    const a1 = f32x4.extract_lane(w, 1);
    const a2 = f32x4.extract_lane(w, 2);
    const a3 = f32x4.extract_lane(w, 3);
    for (let t = n & 3; t > 0; t--) {
      store<f32>(d, load<f32>(d) + ((a0 * load<f32>(r0) + a1 * load<f32>(r1)) + (a2 * load<f32>(r2) + a3 * load<f32>(r3))));
      d += 4;
      r0 += 4;
      r1 += 4;
      r2 += 4;
      r3 += 4;
    }
  }
}

/** d[0..n) += a·s[0..n). */
export function axpy(d: usize, s: usize, a: f32, n: i32): void {
  const av = f32x4.splat(a);
  const e8 = d + ((<usize>n >> 3) << 5);
  while (d < e8) {
    v128.store(d, f32x4.add(v128.load(d), f32x4.mul(av, v128.load(s))));
    v128.store(d, f32x4.add(v128.load(d, 16), f32x4.mul(av, v128.load(s, 16))), 16);
    d += 32;
    s += 32;
  }
  if (n & 4) {
    v128.store(d, f32x4.add(v128.load(d), f32x4.mul(av, v128.load(s))));
    d += 16;
    s += 16;
  }
  for (let t = n & 3; t > 0; t--) {
    store<f32>(d, load<f32>(d) + a * load<f32>(s));
    d += 4;
    s += 4;
  }
}

/** a[0..n) · b[0..n) in float64 (products of floats are exact in f64; the sum rounds in f64). */
export function dot64(a: usize, b: usize, n: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = s0;
  const e4 = a + ((<usize>n >> 2) << 4);
  while (a < e4) {
    const va = v128.load(a);
    const vb = v128.load(b);
    s0 = f64x2.add(s0, f64x2.mul(f64x2.promote_low_f32x4(va), f64x2.promote_low_f32x4(vb)));
    s1 = f64x2.add(s1, f64x2.mul(
      f64x2.promote_low_f32x4(v128.shuffle<f32>(va, va, 2, 3, 2, 3)),
      f64x2.promote_low_f32x4(v128.shuffle<f32>(vb, vb, 2, 3, 2, 3)),
    ));
    a += 16;
    b += 16;
  }
  const t = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (let r = n & 3; r > 0; r--) {
    s += <f64>load<f32>(a) * <f64>load<f32>(b);
    a += 4;
    b += 4;
  }
  return s;
}

/**
 * d[0..n) += w.0·r0 + w.1·r1 + w.2·r2 + w.3·r3, four vectors per turn (each store keeps V8 from
 * hoisting the next loads, so the longer body does not spill), then the remainder as axpy4.
 */
// @ts-ignore: decorator
@inline export function axpy4x(d: usize, r0: usize, r1: usize, r2: usize, r3: usize, w: v128, n: i32): void {
  const w0 = v128.shuffle<f32>(w, w, 0, 0, 0, 0);
  const w1 = v128.shuffle<f32>(w, w, 1, 1, 1, 1);
  const w2 = v128.shuffle<f32>(w, w, 2, 2, 2, 2);
  const w3 = v128.shuffle<f32>(w, w, 3, 3, 3, 3);
  const e16 = d + ((<usize>n >> 4) << 6);
  while (d < e16) {
    v128.store(d, f32x4.add(v128.load(d), f32x4.add(
      f32x4.add(f32x4.mul(w0, v128.load(r0)), f32x4.mul(w1, v128.load(r1))),
      f32x4.add(f32x4.mul(w2, v128.load(r2)), f32x4.mul(w3, v128.load(r3))),
    )));
    v128.store(d, f32x4.add(v128.load(d, 16), f32x4.add(
      f32x4.add(f32x4.mul(w0, v128.load(r0, 16)), f32x4.mul(w1, v128.load(r1, 16))),
      f32x4.add(f32x4.mul(w2, v128.load(r2, 16)), f32x4.mul(w3, v128.load(r3, 16))),
    )), 16);
    v128.store(d, f32x4.add(v128.load(d, 32), f32x4.add(
      f32x4.add(f32x4.mul(w0, v128.load(r0, 32)), f32x4.mul(w1, v128.load(r1, 32))),
      f32x4.add(f32x4.mul(w2, v128.load(r2, 32)), f32x4.mul(w3, v128.load(r3, 32))),
    )), 32);
    v128.store(d, f32x4.add(v128.load(d, 48), f32x4.add(
      f32x4.add(f32x4.mul(w0, v128.load(r0, 48)), f32x4.mul(w1, v128.load(r1, 48))),
      f32x4.add(f32x4.mul(w2, v128.load(r2, 48)), f32x4.mul(w3, v128.load(r3, 48))),
    )), 48);
    d += 64;
    r0 += 64;
    r1 += 64;
    r2 += 64;
    r3 += 64;
  }
  if (n & 15) axpy4(d, r0, r1, r2, r3, w, n & 15);
}
