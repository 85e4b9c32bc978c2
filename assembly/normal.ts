// The normal matrix of one row, A = G + Σ (c − 1) y yᵀ, in 4×8 and 4×4 register tiles.
//
// The row's items are taken in chunks: for each chunk a list of (address of y, c − 1) pairs is
// written once into the 4k + 4 floats that follow the matrix (the row's solve scratch holds k² + 4k
// + 4 floats), then every tile of the lower triangle runs over that list with its sums in registers
// and adds them to the matrix once per chunk. A chunk's rows of Y (at most ~24 KB) stay in L1 while
// all tiles read them. Tiles are 4 rows × 8 columns off the diagonal and 4 × 4 on it, so nothing
// beyond the 4 × 4 diagonal blocks is computed above the diagonal.
//
// When k % 4 == 0 the first chunk's tiles add their sums to G itself (no copy of G). Otherwise G is
// copied first, and the last k % 4 rows are done in scalar code.

/**
 * The lower triangle of m (k × k) = G + Σ (c − 1) y yᵀ over the items [lo, hi): shared by
 * solveRows' Cholesky path (assembly/solve.ts) and invertRows (assembly/sherman.ts), so both build the
 * same matrix bit for bit. The 4 × 4 diagonal blocks also hold a few values above the diagonal
 * that mean nothing. Uses the 4k + 4 floats after m as temporary space.
 */
export function buildNormal(
  indices: usize, conf: usize, lo: i32, hi: i32, y: usize, g: usize, k: i32, m: usize,
): void {
  if (k == 64) build(indices, conf, lo, hi, y, g, 64, m);
  else if (k == 32) build(indices, conf, lo, hi, y, g, 32, m);
  else if (k == 128) build(indices, conf, lo, hi, y, g, 128, m);
  else build(indices, conf, lo, hi, y, g, k, m);
}

/** Items per chunk: the (address, weight) list fits the 4k + 4 floats after the matrix. */
// @ts-ignore: decorator
@inline function chunkItems(k: i32): i32 {
  return min(2 * k + 2, max(8, 6144 / k));
}

// @ts-ignore: decorator
@inline function build(
  indices: usize, conf: usize, lo: i32, hi: i32, y: usize, g: usize, k: i32, m: usize,
): void {
  const kb = <usize>k << 2;
  const list = m + <usize>k * kb;
  const cap = chunkItems(k);
  const k4 = k & ~3;
  let src = g; // where the tiles' first sums are added to: G for the first chunk, then m itself
  if ((k & 3) != 0 || lo >= hi) {
    memory.copy(m, g, <usize>k * kb);
    src = m;
  }
  for (let c0 = lo; c0 < hi; c0 += cap) {
    const c1 = min(hi, c0 + cap);
    let ip = indices + (<usize>c0 << 2);
    let cp = conf + (<usize>c0 << 2);
    let lp = list;
    const w0 = load<f32>(cp) - 1;
    let uniform = true;
    for (let t = c0; t < c1; t++) {
      const w = load<f32>(cp) - 1;
      uniform = uniform && w == w0;
      store<u32>(lp, <u32>(y + <usize>load<i32>(ip) * kb));
      store<f32>(lp, w, 4);
      lp += 8;
      ip += 4;
      cp += 4;
    }
    const le = lp;
    if (uniform) {
      // every item has the same weight: Σ y yᵀ in the tiles, times the weight when added
      const wv = f32x4.splat(w0);
      for (let i = 0; i < k4; i += 4) {
        let j = 0;
        for (; j + 8 <= i + 4; j += 8) tile8(false, wv, m, src, kb, i, j, list, le);
        if (j <= i) tile4(false, wv, m, src, kb, i, j, list, le);
      }
    } else {
      const wv = f32x4.splat(1);
      for (let i = 0; i < k4; i += 4) {
        let j = 0;
        for (; j + 8 <= i + 4; j += 8) tile8(true, wv, m, src, kb, i, j, list, le);
        if (j <= i) tile4(true, wv, m, src, kb, i, j, list, le);
      }
    }
    for (let i = k4; i < k; i++) {
      const io = <usize>i << 2;
      for (let j = 0; j <= i; j++) {
        const jo = <usize>j << 2;
        let s: f32 = 0;
        for (let p = list; p < le; p += 8) {
          const yr = <usize>load<u32>(p);
          s += load<f32>(p, 4) * load<f32>(yr + io) * load<f32>(yr + jo);
        }
        const o = <usize>i * kb + jo;
        store<f32>(m + o, load<f32>(src + o) + s);
      }
    }
    src = m;
  }
}

/**
 * m[i..i+4)[j..j+8) = src[i..i+4)[j..j+8) + Σ w y[i..i+4)ᵀ y[j..j+8) over the list [lp, le):
 * weighted, each item's weight from the list; otherwise the plain sum times wv. The four values
 * y[i..i+4) come in one vector and are broadcast by shuffles (four broadcast loads would keep four
 * more registers live: V8 then spills an accumulator).
 */
// @ts-ignore: decorator
@inline function tile8(
  weighted: bool, wv: v128, m: usize, src: usize, kb: usize, i: i32, j: i32, lp: usize, le: usize,
): void {
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
  while (lp < le) {
    const yr = <usize>load<u32>(lp);
    const yj = yr + jo;
    let b0 = v128.load(yj);
    let b1 = v128.load(yj, 16);
    if (weighted) {
      const w = v128.load32_splat(lp, 4);
      b0 = f32x4.mul(w, b0);
      b1 = f32x4.mul(w, b1);
    }
    const e = v128.load(yr + io);
    const e0 = v128.shuffle<f32>(e, e, 0, 0, 0, 0);
    c00 = f32x4.add(c00, f32x4.mul(e0, b0));
    c01 = f32x4.add(c01, f32x4.mul(e0, b1));
    const e1 = v128.shuffle<f32>(e, e, 1, 1, 1, 1);
    c10 = f32x4.add(c10, f32x4.mul(e1, b0));
    c11 = f32x4.add(c11, f32x4.mul(e1, b1));
    const e2 = v128.shuffle<f32>(e, e, 2, 2, 2, 2);
    c20 = f32x4.add(c20, f32x4.mul(e2, b0));
    c21 = f32x4.add(c21, f32x4.mul(e2, b1));
    const e3 = v128.shuffle<f32>(e, e, 3, 3, 3, 3);
    c30 = f32x4.add(c30, f32x4.mul(e3, b0));
    c31 = f32x4.add(c31, f32x4.mul(e3, b1));
    lp += 8;
  }
  if (!weighted) {
    c00 = f32x4.mul(wv, c00);
    c01 = f32x4.mul(wv, c01);
    c10 = f32x4.mul(wv, c10);
    c11 = f32x4.mul(wv, c11);
    c20 = f32x4.mul(wv, c20);
    c21 = f32x4.mul(wv, c21);
    c30 = f32x4.mul(wv, c30);
    c31 = f32x4.mul(wv, c31);
  }
  const off = <usize>i * kb + jo;
  let o = m + off;
  let s = src + off;
  v128.store(o, f32x4.add(v128.load(s), c00));
  v128.store(o, f32x4.add(v128.load(s, 16), c01), 16);
  o += kb;
  s += kb;
  v128.store(o, f32x4.add(v128.load(s), c10));
  v128.store(o, f32x4.add(v128.load(s, 16), c11), 16);
  o += kb;
  s += kb;
  v128.store(o, f32x4.add(v128.load(s), c20));
  v128.store(o, f32x4.add(v128.load(s, 16), c21), 16);
  o += kb;
  s += kb;
  v128.store(o, f32x4.add(v128.load(s), c30));
  v128.store(o, f32x4.add(v128.load(s, 16), c31), 16);
}

/** m[i..i+4)[j..j+4) = src[i..i+4)[j..j+4) + Σ w y[i..i+4)ᵀ y[j..j+4), as tile8. */
// @ts-ignore: decorator
@inline function tile4(
  weighted: bool, wv: v128, m: usize, src: usize, kb: usize, i: i32, j: i32, lp: usize, le: usize,
): void {
  let c0 = f32x4.splat(0);
  let c1 = c0;
  let c2 = c0;
  let c3 = c0;
  const io = <usize>i << 2;
  const jo = <usize>j << 2;
  while (lp < le) {
    const yr = <usize>load<u32>(lp);
    let b0 = v128.load(yr + jo);
    if (weighted) b0 = f32x4.mul(v128.load32_splat(lp, 4), b0);
    const e = v128.load(yr + io);
    c0 = f32x4.add(c0, f32x4.mul(v128.shuffle<f32>(e, e, 0, 0, 0, 0), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.shuffle<f32>(e, e, 1, 1, 1, 1), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.shuffle<f32>(e, e, 2, 2, 2, 2), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.shuffle<f32>(e, e, 3, 3, 3, 3), b0));
    lp += 8;
  }
  if (!weighted) {
    c0 = f32x4.mul(wv, c0);
    c1 = f32x4.mul(wv, c1);
    c2 = f32x4.mul(wv, c2);
    c3 = f32x4.mul(wv, c3);
  }
  const off = <usize>i * kb + jo;
  let o = m + off;
  let s = src + off;
  v128.store(o, f32x4.add(v128.load(s), c0));
  o += kb;
  s += kb;
  v128.store(o, f32x4.add(v128.load(s), c1));
  o += kb;
  s += kb;
  v128.store(o, f32x4.add(v128.load(s), c2));
  o += kb;
  s += kb;
  v128.store(o, f32x4.add(v128.load(s), c3));
}
