// out (k × k, full symmetric) = AᵀA + reg·I for A = rows × k (row-major f32).
//
// The upper triangle is computed in register tiles of 4 rows × 8 (or 4) columns of `out` over chunks
// of ROWS rows of A (a chunk stays in L1 while every tile reads it); each chunk's tile sums are
// added into `out`, so float32 sums run over at most ROWS terms before they reach `out`. Columns
// j >= floor(k/4)*4 are done in scalar code. At the end the upper triangle is mirrored and reg added.

const ROWS = 64;

export function gram(a: usize, rows: i32, k: i32, reg: f32, out: usize): void {
  const kb = <usize>k << 2;
  memory.fill(out, 0, kb * <usize>k);
  const k4 = k & ~3;
  for (let r0 = 0; r0 < rows; r0 += ROWS) {
    const nr = min(ROWS, rows - r0);
    const base = a + <usize>r0 * kb;
    for (let i = 0; i < k4; i += 4) {
      let j = i;
      for (; j + 8 <= k4; j += 8) tile8(base, nr, kb, i, j, out);
      if (j < k4) tile4(base, nr, kb, i, j, out);
    }
    // scalar columns j in [k4, k), rows i <= j
    for (let j = k4; j < k; j++) {
      for (let i = 0; i <= j; i++) {
        let s: f32 = 0;
        let p = base;
        for (let r = 0; r < nr; r++) {
          s += load<f32>(p + (<usize>i << 2)) * load<f32>(p + (<usize>j << 2));
          p += kb;
        }
        const o = out + <usize>i * kb + (<usize>j << 2);
        store<f32>(o, load<f32>(o) + s);
      }
    }
  }
  for (let i = 0; i < k; i++) {
    const row = out + <usize>i * kb;
    const d = row + (<usize>i << 2);
    store<f32>(d, load<f32>(d) + reg);
    for (let j = i + 1; j < k; j++) {
      store<f32>(out + <usize>j * kb + (<usize>i << 2), load<f32>(row + (<usize>j << 2)));
    }
  }
}

/** out[i..i+4)[j..j+8) += Σ_r a[r][i..i+4)ᵀ a[r][j..j+8) over nr rows starting at a. */
// @ts-ignore: decorator
@inline function tile8(a: usize, nr: i32, kb: usize, i: i32, j: i32, out: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  let pi = a + (<usize>i << 2);
  let pj = a + (<usize>j << 2);
  for (let r = 0; r < nr; r++) {
    const b0 = v128.load(pj);
    const b1 = v128.load(pj, 16);
    const e0 = v128.load32_splat(pi);
    const e1 = v128.load32_splat(pi, 4);
    const e2 = v128.load32_splat(pi, 8);
    const e3 = v128.load32_splat(pi, 12);
    c00 = f32x4.add(c00, f32x4.mul(e0, b0));
    c01 = f32x4.add(c01, f32x4.mul(e0, b1));
    c10 = f32x4.add(c10, f32x4.mul(e1, b0));
    c11 = f32x4.add(c11, f32x4.mul(e1, b1));
    c20 = f32x4.add(c20, f32x4.mul(e2, b0));
    c21 = f32x4.add(c21, f32x4.mul(e2, b1));
    c30 = f32x4.add(c30, f32x4.mul(e3, b0));
    c31 = f32x4.add(c31, f32x4.mul(e3, b1));
    pi += kb;
    pj += kb;
  }
  let o = out + <usize>i * kb + (<usize>j << 2);
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

/** out[i..i+4)[j..j+4) += Σ_r a[r][i..i+4)ᵀ a[r][j..j+4). */
// @ts-ignore: decorator
@inline function tile4(a: usize, nr: i32, kb: usize, i: i32, j: i32, out: usize): void {
  let c0 = f32x4.splat(0);
  let c1 = c0;
  let c2 = c0;
  let c3 = c0;
  let pi = a + (<usize>i << 2);
  let pj = a + (<usize>j << 2);
  for (let r = 0; r < nr; r++) {
    const b0 = v128.load(pj);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pi), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(pi, 4), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(pi, 8), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(pi, 12), b0));
    pi += kb;
    pj += kb;
  }
  let o = out + <usize>i * kb + (<usize>j << 2);
  v128.store(o, f32x4.add(v128.load(o), c0));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c1));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c2));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c3));
}
